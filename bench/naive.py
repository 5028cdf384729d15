"""The baseline issue 7 measures against: the obvious script a user writes without reportgen.
For each run manifest: read its log with numpy, `plt.plot` every column, `savefig` one figure.
(It uses pyplot on purpose: this is the user's script, not reportgen's code.)

    python bench/naive.py RUNS_DIR OUT_DIR [--limit N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import yaml


def read_csv(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    table = np.genfromtxt(path, delimiter=",", names=True)
    steps = table["step"]
    out = {}
    for name in table.dtype.names:
        if name != "step":
            ok = ~np.isnan(table[name])
            out[name] = (steps[ok], table[name][ok])
    return out


def read_tensorboard(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(path), size_guidance={"scalars": 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["scalars"]:
        events = acc.Scalars(tag)
        out[tag] = (np.array([e.step for e in events]), np.array([e.value for e in events]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="only the first N runs (0: all)")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    manifests = sorted(args.runs_dir.glob("*.yaml"))
    if args.limit:
        manifests = manifests[: args.limit]
    for manifest in manifests:
        spec = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        if not isinstance(spec, dict) or "logs" not in spec:
            continue
        logs = spec["logs"] if isinstance(spec["logs"], list) else [spec["logs"]]
        curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for log in logs:
            rel = log["path"] if isinstance(log, dict) else log
            path = manifest.parent / rel
            curves.update(read_tensorboard(path) if path.is_dir() else read_csv(path))
        plt.figure(figsize=(7, 3.6), dpi=110)
        for name, (x, y) in sorted(curves.items()):
            plt.plot(x, y, label=name)
        plt.xlabel("step")
        plt.legend()
        plt.savefig(args.out_dir / f"{spec['name']}.png")
        plt.close()


if __name__ == "__main__":
    main()
