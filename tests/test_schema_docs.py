"""The published manifest schema and docs stay in step with what the loader accepts."""

from __future__ import annotations

import json
from pathlib import Path

from reportgen.manifest.load import RUN_KEYS
from reportgen.model import LOSS_KINDS, ROLES, TASKS
from reportgen.readers import FORMATS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))


def test_schema_keys_match_loader() -> None:
    assert sorted(SCHEMA["properties"]) == sorted(RUN_KEYS)
    assert SCHEMA["required"] == ["name", "logs"]


def test_schema_enums_match_loader() -> None:
    props = SCHEMA["properties"]
    assert tuple(props["task"]["enum"]) == TASKS
    assert tuple(props["loss"]["enum"]) == LOSS_KINDS
    assert tuple(props["metrics"]["propertyNames"]["enum"]) == ROLES
    log_obj = SCHEMA["$defs"]["log"]["oneOf"][1]
    assert tuple(log_obj["properties"]["format"]["enum"]) == FORMATS


def test_manifest_doc_lists_every_key() -> None:
    doc = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    for key in RUN_KEYS:
        assert f"| `{key}` |" in doc, key
