"""What validating with `jsonschema` against docs/manifest.schema.json would cost, beside the
table-walking checker reportgen uses (issue 15 item 3 asked for the measurement).

    python bench/bench_manifest_schema.py [N]

Writes the N manifests of bench_manifests.py (default 1,000), then prints the best and median of
five timings, in this process's CPU time, of: load_manifests (parse + check, as a build does);
jsonschema's Draft 2020-12 validator over the same N parsed documents, validator built once
(the least that option would add: its errors still need turning into file:line:col messages,
and input paths still need checking by our code)."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import jsonschema
import yaml
from bench_manifests import write_sweep

from reportgen.manifest.load import load_manifests

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "manifest.schema.json"


def best_median(fn) -> tuple[float, float]:  # noqa: ANN001
    cpu = []
    for _ in range(5):
        start = time.process_time()
        fn()
        cpu.append(time.process_time() - start)
    return min(cpu), sorted(cpu)[2]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        write_sweep(runs, n)
        docs = [yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) for p in sorted(runs.glob("*.yaml"))]
        validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))

        def load() -> None:
            loaded = load_manifests(runs)
            assert len(loaded.runs) == n and not loaded.problems

        def validate() -> None:
            for doc in docs:
                assert not list(validator.iter_errors(doc))

        for label, fn in (("load_manifests (table checker)", load), ("jsonschema validation only", validate)):
            best, median = best_median(fn)
            print(f"{label}, {n} manifests: CPU best {best:.3f} s, median {median:.3f} s")


if __name__ == "__main__":
    main()
