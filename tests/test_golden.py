"""Golden HTML for a tiny fixed site. When a change to the pages is intended, regenerate with

    python tests/test_golden.py --update

and review the diff of tests/golden/expected/ like any other change."""

from __future__ import annotations

import difflib
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
COMPARED = (
    "index.html",
    "summary.json",
    "404.html",
    "runs/diverging/index.html",
    "runs/mlp-b-baseline-b/index.html",
    "groups/mlp/index.html",
    "compare/group-mlp/index.html",
)


def build_golden(out: Path) -> None:
    from reportgen.build import build

    build(GOLDEN / "runs", out)


def test_golden_site_matches(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(GOLDEN)  # paths in messages are relative to the working directory
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    build_golden(tmp_path / "site")
    failures = []
    for rel in COMPARED:
        expected = (GOLDEN / "expected" / rel).read_text(encoding="utf-8")
        actual = (tmp_path / "site" / rel).read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), f"expected/{rel}", f"actual/{rel}"))
            failures.append(diff)
    assert not failures, "golden site changed (python tests/test_golden.py --update if intended):\n" + "\n".join(failures)


if __name__ == "__main__" and "--update" in sys.argv:
    import os
    import tempfile

    sys.path.insert(0, str(HERE.parent))
    os.chdir(GOLDEN)
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    with tempfile.TemporaryDirectory() as tmp:
        build_golden(Path(tmp) / "site")
        for rel in COMPARED:
            target = GOLDEN / "expected" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / "site" / rel, target)
    print(f"updated {len(COMPARED)} golden files in {GOLDEN / 'expected'}")
