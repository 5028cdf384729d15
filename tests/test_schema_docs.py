"""The manifest format is defined once (reportgen/manifest/format.py): the published schema and
docs are generated from it and must be current, the dataclasses take their fields from it, and
the schema accepts and refuses what the loader does."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from reportgen.manifest import schema
from reportgen.manifest.format import DATASET, RUN, SITE, Table
from reportgen.manifest.load import load_manifests
from reportgen.model import LOSS_KINDS, ROLES, TASKS, DatasetSpec, RunSpec, SiteConfig
from reportgen.readers import FORMATS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))


def test_generated_schema_and_docs_are_current() -> None:
    # stale after a change to format.py: run `python -m reportgen.manifest.schema`
    assert (ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8") == schema.schema_text()
    doc = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    assert doc == schema.doc_text(doc)
    assert schema.main(["--check"]) == 0


def test_a_stale_doc_table_is_found(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    stale = doc.replace("| `tags` | no |", "| `tags` | yes |")
    assert stale != doc and schema.doc_text(stale) == doc


def test_schema_has_the_table_keys_and_enums() -> None:
    assert list(SCHEMA["properties"]) == list(RUN.names)
    assert SCHEMA["required"] == ["name", "logs"]
    props = SCHEMA["properties"]
    assert tuple(props["task"]["enum"]) == TASKS
    assert tuple(props["loss"]["enum"]) == LOSS_KINDS
    assert tuple(props["metrics"]["propertyNames"]["enum"]) == ROLES
    log_obj = SCHEMA["$defs"]["log"]["oneOf"][1]
    assert tuple(log_obj["properties"]["format"]["enum"]) == FORMATS
    assert list(SCHEMA["$defs"]["dataset"]["properties"]) == list(DATASET.names)
    assert list(SCHEMA["$defs"]["site"]["properties"]) == list(SITE.names)


@pytest.mark.parametrize(("cls", "table", "own"), [
    (RunSpec, RUN, {"path", "key_lines"}),
    (DatasetSpec, DATASET, {"path"}),
    (SiteConfig, SITE, {"path"}),
])
def test_dataclass_fields_come_from_the_table(cls: type, table: Table, own: set[str]) -> None:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    declared = {k.field: k for k in table.keys if k.field}
    assert set(fields) == set(declared) | own
    for name, key in declared.items():
        assert fields[name].type == key.type


def test_a_field_declared_twice_is_refused() -> None:
    from reportgen.model import from_table

    with pytest.raises(TypeError, match=r"Twice.name is declared in manifest/format.py"):
        @from_table(RUN)
        class Twice:
            name: str


def test_manifest_doc_lists_every_key() -> None:
    doc = (ROOT / "docs" / "manifest.md").read_text(encoding="utf-8")
    for table in (RUN, DATASET, SITE):
        for name in table.names:
            assert f"| `{name}` |" in doc, name


def _validator(definition: str | None = None) -> jsonschema.Draft202012Validator:
    target = SCHEMA if definition is None else {**SCHEMA["$defs"][definition], "$defs": SCHEMA["$defs"]}
    return jsonschema.Draft202012Validator(target)


def test_every_example_manifest_is_valid_by_the_schema() -> None:
    loaded = load_manifests(ROOT / "runs")
    assert loaded.runs and not loaded.problems
    for spec in loaded.runs:
        data = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
        errors = [e.message for e in _validator().iter_errors(data)]
        assert errors == [], spec.path
    for dataset in loaded.datasets:
        data = yaml.safe_load(dataset.path.read_text(encoding="utf-8"))
        assert [e.message for e in _validator("dataset").iter_errors(data)] == [], dataset.path
    site = ROOT / "runs" / "reportgen.yaml"
    if site.exists():
        data = yaml.safe_load(site.read_text(encoding="utf-8"))
        assert [e.message for e in _validator("site").iter_errors(data)] == []


@pytest.mark.parametrize("text", [
    "name: a\nlogs: a.csv\nsteps: 3\n",  # unknown key
    "name: a\nlogs: a.csv\ntask: clasification\n",
    "name: a\nlogs: a.csv\nnum_classes: 1\n",
    "name: a\nlogs: [{path: a.csv, format: cvs}]\n",
    "name: a\nlogs: a.csv\nmetrics: {train_los: loss}\n",
    "name: a\nlogs: a.csv\ncheckpoints: {path: ck, exclude: [a], keep: 1}\n",
    "name: a\nlogs: a.csv\nanalysis: {smoothnig: 0.5}\n",
])
def test_schema_and_loader_refuse_the_same_mistakes(tmp_path: Path, text: str) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "a.csv").write_text("step,loss\n0,1\n1,0.5\n", encoding="utf-8")
    (runs / "a.yaml").write_text(text, encoding="utf-8")
    assert load_manifests(runs).problems
    assert list(_validator().iter_errors(yaml.safe_load(text)))


def test_schema_and_loader_accept_the_new_keys(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    (runs / "ck").mkdir(parents=True)
    (runs / "ck" / "step_1.pt").write_bytes(b"")  # found, not read: torch is optional
    (runs / "a.csv").write_text("step,loss\n0,1\n1,0.5\n", encoding="utf-8")
    text = "name: a\nlogs: a.csv\ncheckpoints: {path: ck, include: ['*.pt']}\n"
    (runs / "a.yaml").write_text(text, encoding="utf-8")
    site = "sweeps:\n  - name: lr\n    runs: ['a*']\n    goal: max\n    summary: final\n"
    (runs / "reportgen.yaml").write_text(site, encoding="utf-8")
    loaded = load_manifests(runs)
    assert loaded.problems == []
    assert list(_validator().iter_errors(yaml.safe_load(text))) == []
    assert list(_validator("site").iter_errors(yaml.safe_load(site))) == []


def test_every_custom_kind_has_its_check() -> None:
    from reportgen.manifest.format import Custom
    from reportgen.manifest.run_keys import DATASET_CHECKS, RUN_CHECKS
    from reportgen.manifest.site_config import SITE_CHECKS

    for table, checks in ((RUN, RUN_CHECKS), (DATASET, DATASET_CHECKS), (SITE, SITE_CHECKS)):
        named = {k.kind.check for k in table.keys if isinstance(k.kind, Custom) and k.kind.check}
        assert named == set(checks), table.title
