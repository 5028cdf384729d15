"""What role picking costs and what it picks on the real-log corpora.

Usage:  python bench/bench_roles.py [--shared PATH] [--repeat N]

For every `read` entry of ../shared/realogs and ../shared/realogs2: read it once, then time
`pick_roles` (shapes, densest series, summed parts, steps per epoch) against name-only
`infer_roles` over N repetitions, and count the entries that get a train and a validation loss.
Prints one table; exit code 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportgen.readers import read_log
from reportgen.readers.roles import infer_roles
from reportgen.readers.run import pick_roles
from reportgen.readers.xunits import align_epoch_series, steps_per_epoch


def _entries(root: Path) -> list[Path]:
    out = []
    for line in (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        path, _kind, expect = line.split("\t")[:3]
        if expect == "read":
            out.append(root / path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    print(
        f"{'corpus':10} {'entries':>7} {'train':>6} {'val':>5} {'summed':>6} {'names ms':>9} {'pick ms':>8}"
    )
    for corpus in ("realogs", "realogs2"):
        logs = [read_log(p, "auto").series for p in _entries(args.shared / corpus)]
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            for series in logs:
                infer_roles(list(series))
        names_ms = (time.perf_counter() - t0) * 1000 / args.repeat
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            picked = []
            for series in logs:
                aligned = align_epoch_series(series, steps_per_epoch(series))
                picked.append(pick_roles(aligned, {}))
        pick_ms = (time.perf_counter() - t0) * 1000 / args.repeat
        train = sum("train_loss" in roles for roles, _, _ in picked)
        val = sum("val_loss" in roles for roles, _, _ in picked)
        summed = sum(bool(derived) for _, _, derived in picked)
        print(
            f"{corpus:10} {len(logs):7d} {train:6d} {val:5d} {summed:6d} {names_ms:9.2f} {pick_ms:8.2f}"
        )


if __name__ == "__main__":
    main()
