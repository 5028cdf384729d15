"""The held-out sweep (bench/heldout.py) built by two reportgen sources one after the other, beside
the naive script, so a before/after ratio is measured under the same machine load.

    git archive BASE_COMMIT | tar -x -C /tmp/base-src
    python bench/heldout_ab.py /tmp/base-src [--work /tmp/reportgen-heldout]

The "now" build is the installed reportgen; the base one runs with PYTHONPATH at the exported
source. Prints CPU and wall time and the load average after each; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import env, measure  # noqa: E402 - run.py sits beside this script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_src", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/reportgen-heldout"))
    args = parser.parse_args()
    runs = args.work / "runs"  # written by bench/heldout.py
    now = {k: v for k, v in env().items() if k != "PYTHONPATH"}
    base = dict(now, PYTHONPATH=str(args.base_src))
    print(f"load average at start {os.getloadavg()[0]:.1f}")
    shutil.rmtree(args.work / "naive", ignore_errors=True)
    naive = measure([sys.executable, str(HERE / "naive.py"), str(runs), str(args.work / "naive")], now, cwd=args.work)
    print(f"  naive  wall {naive.wall:7.2f} s  cpu {naive.cpu:7.2f} s  load {os.getloadavg()[0]:.1f}")
    for label, e in (("base", base), ("now", now)):
        out = args.work / f"site-{label}"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(args.work / ".reportgen-cache", ignore_errors=True)
        m = measure([sys.executable, "-m", "reportgen", "build", str(runs), "-o", str(out), "-q"], e, cwd=args.work)
        print(f"  {label:<6} wall {m.wall:7.2f} s  cpu {m.cpu:7.2f} s  rc {m.rc}  load {os.getloadavg()[0]:.1f}"
              f"  naive/this: {naive.cpu / m.cpu:.2f}x CPU, {naive.wall / m.wall:.2f}x wall")


if __name__ == "__main__":
    main()
