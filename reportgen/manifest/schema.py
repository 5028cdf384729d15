"""Generate docs/manifest.schema.json and the key tables of docs/manifest.md from the tables of
manifest/format.py, so the published format is the checked one.

    python -m reportgen.manifest.schema          # rewrite both files
    python -m reportgen.manifest.schema --check  # exit 1 when either is stale

tests/test_schema_docs.py runs the check."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from reportgen.manifest.format import (
    CHECKPOINTS,
    DATASET,
    RUN,
    SITE,
    SWEEP,
    Table,
    schema_defs,
    table_schema,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA_FILE = DOCS / "manifest.schema.json"
MANIFEST_DOC = DOCS / "manifest.md"


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of a run manifest; dataset files and reportgen.yaml under $defs."""
    run = table_schema(RUN)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://reportgen.invalid/schema/manifest-v1.json",
        "title": "reportgen run manifest (v1)",
        **run,
        "$defs": {**schema_defs(), "dataset": table_schema(DATASET), "site": table_schema(SITE)},
    }


def schema_text() -> str:
    return json.dumps(manifest_schema(), indent=2, ensure_ascii=False) + "\n"


def key_table(table: Table) -> str:
    rows = ["| key | required | type | meaning |", "| --- | --- | --- | --- |"]
    for key in table.keys:
        rows.append(
            f"| `{key.name}` | {'yes' if key.required else 'no'} | {key.kind.yaml} | {key.doc} |"
        )
    return "\n".join(rows)


TABLES = {"run": RUN, "dataset": DATASET, "site": SITE, "checkpoints": CHECKPOINTS, "sweep": SWEEP}
_BLOCK = re.compile(r"(<!-- keys: (\w+) \(generated[^\n]*-->\n)(.*?)(<!-- end keys -->)", re.S)


def doc_text(text: str) -> str:
    """`text` (docs/manifest.md) with each generated key table replaced by the current one."""
    return _BLOCK.sub(
        lambda m: m.group(1) + key_table(TABLES[m.group(2)]) + "\n" + m.group(4), text
    )


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, new in (
        (SCHEMA_FILE, schema_text()),
        (MANIFEST_DOC, doc_text(MANIFEST_DOC.read_text(encoding="utf-8"))),
    ):
        if path.read_text(encoding="utf-8") != new:
            stale.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        names = ", ".join(str(p.relative_to(DOCS.parent)) for p in stale)
        print(f"stale: {names}; run python -m reportgen.manifest.schema", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
