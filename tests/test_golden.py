"""Golden HTML for a tiny fixed site. When a change to the pages is intended, regenerate with

    python tests/test_golden.py --update

and review the diff of tests/golden/expected/ like any other change.

Two things may differ without failing: floating-point numbers in their last bits (scipy's special
functions or another CPU's BLAS round differently; a relative 1e-9 is far below any displayed
digit), and the version string, stored as "reportgen {version}" so a release does not touch them."""

from __future__ import annotations

import difflib
import math
import re
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
    "sweeps/mlp/index.html",  # issue 17
)
VERSION_MARK = "reportgen {version}"
# a decimal with a fraction or an exponent; integers (counts, steps) must match exactly
FLOAT = re.compile(r"-?\d+(?:\.\d+(?:[eE][-+]?\d+)?|[eE][-+]?\d+)")
REL_TOL = 1e-9
ABS_TOL = 1e-12


def without_version(text: str) -> str:
    from reportgen import __version__

    return text.replace(f"reportgen {__version__}", VERSION_MARK)


def same_up_to_rounding(expected: str, actual: str) -> bool:
    """Equal text apart from floats, and every float within REL_TOL (or ABS_TOL near 0)."""
    if FLOAT.split(expected) != FLOAT.split(actual):
        return False
    pairs = zip(FLOAT.findall(expected), FLOAT.findall(actual))
    return all(math.isclose(float(e), float(a), rel_tol=REL_TOL, abs_tol=ABS_TOL) for e, a in pairs)


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
        actual = without_version((tmp_path / "site" / rel).read_text(encoding="utf-8"))
        if not same_up_to_rounding(expected, actual):
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), f"expected/{rel}", f"actual/{rel}"))
            failures.append(diff)
    assert not failures, "golden site changed (python tests/test_golden.py --update if intended):\n" + "\n".join(failures)


def test_float_tolerance_is_tight_and_text_is_exact() -> None:
    assert same_up_to_rounding('"low": 0.3841628596678063,', '"low": 0.38416285966780617,')
    assert same_up_to_rounding("<td>1e-14</td>", "<td>-2e-15</td>")  # both zero for a page
    assert not same_up_to_rounding('"low": 0.38416,', '"low": 0.38417,')
    assert not same_up_to_rounding("<td>0.5 s</td>", "<td>0.5 ms</td>")
    assert not same_up_to_rounding("step 120", "step 121")  # integers are exact
    from reportgen import __version__

    assert without_version(f"Built by reportgen {__version__}.") == "Built by reportgen {version}."


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
            text = without_version((Path(tmp) / "site" / rel).read_text(encoding="utf-8"))
            target.write_text(text, encoding="utf-8", newline="")
    print(f"updated {len(COMPARED)} golden files in {GOLDEN / 'expected'}")
