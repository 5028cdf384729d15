"""The held-out perf check of issue 15: a sweep reportgen was never tuned on, built cold with the
install the README gives a user, against the seed-style script (bench/naive.py) on the same runs.

    python bench/heldout.py [--python VENV/bin/python] [--runs 200] [--steps 10000]

`--python` is the interpreter of the install to measure (default: this one); both reportgen and
the naive script run under it. The sweep differs from bench/corpus.py's on purpose: another seed,
six columns with an epoch counter, validation every 250 steps, curves that overfit or diverge.
Prints wall and CPU time of both and their ratios; asserts nothing (not a test).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import Measure, env, measure  # noqa: E402 - run.py sits beside this script

STAMP = ".heldout-corpus.json"


def _columns(rng: np.random.Generator, steps: int) -> dict[str, np.ndarray]:
    s = np.arange(steps, dtype=np.float64)
    rate = rng.uniform(1.0, 6.0) / steps
    floor = rng.uniform(0.1, 0.6)
    kind = rng.integers(0, 3)  # 0 converges, 1 overfits late, 2 diverges late
    train = floor + 1.8 * np.exp(-rate * s) + rng.normal(0.0, 0.05, steps)
    val = floor + 0.08 + 1.8 * np.exp(-rate * s)
    if kind == 1:
        val = val + 0.4 * np.maximum(0.0, s / steps - 0.5)
    elif kind == 2:
        late = np.maximum(0.0, s / steps - 0.8)
        train = train + np.expm1(25.0 * late)
        val = val + np.expm1(25.0 * late)
    acc = np.clip(1.0 - 0.45 * train + rng.normal(0.0, 0.01, steps), 0.0, 1.0)
    return {"train_loss": train, "train_acc": acc, "val_loss": val, "val_acc": np.clip(1.0 - 0.45 * val, 0.0, 1.0)}


def _csv(steps: int, cols: dict[str, np.ndarray], val_every: int, per_epoch: int) -> str:
    fmt = {k: [f"{v:.7g}" for v in col.tolist()] for k, col in cols.items()}
    lines = ["step,epoch,train_loss,train_acc,val_loss,val_acc"]
    for i in range(steps):
        val = i % val_every == val_every - 1
        vl, va = (fmt["val_loss"][i], fmt["val_acc"][i]) if val else ("", "")
        lines.append(f"{i},{i // per_epoch},{fmt['train_loss'][i]},{fmt['train_acc'][i]},{vl},{va}")
    return "\n".join(lines) + "\n"


def heldout_sweep(folder: Path, runs: int, steps: int) -> Path:
    """`runs` CSV runs of `steps` steps, written once and reused while the stamp matches."""
    params = {"runs": runs, "steps": steps, "v": 1}
    stamp = folder / STAMP
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")) == params:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "logs").mkdir(parents=True)
    rng = np.random.default_rng(20261203)
    for i in range(runs):
        name = f"heldout-{i:03d}"
        (folder / "logs" / f"{name}.csv").write_text(
            _csv(steps, _columns(rng, steps), 250, 500), encoding="utf-8"
        )
        manifest = (
            f"name: {name}\ngroup: arch-{i % 8}\ntags: [heldout]\n"
            "task: classification\nloss: cross_entropy\nnum_classes: 100\n"
            f"logs: logs/{name}.csv\nhparams:\n  lr: {float(10 ** rng.uniform(-4, -1)):.3g}\n"
            f"  seed: {i % 5}\n"
        )
        (folder / f"{name}.yaml").write_text(manifest, encoding="utf-8")
    stamp.write_text(json.dumps(params), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="interpreter of the install to measure")
    parser.add_argument("--work", type=Path, default=Path("/tmp/reportgen-heldout"))
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args()
    runs = heldout_sweep(args.work / "runs", args.runs, args.steps)
    # the measured install, not this checkout: no PYTHONPATH pointing at the source tree
    clean = {k: v for k, v in env().items() if k != "PYTHONPATH"}
    naive_out = args.work / "naive"
    shutil.rmtree(naive_out, ignore_errors=True)
    naive = measure([args.python, str(HERE / "naive.py"), str(runs), str(naive_out)], clean, cwd=args.work)
    out = args.work / "site"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.parent / ".reportgen-cache", ignore_errors=True)
    # run from the work folder, so `-m reportgen` finds the install, not this checkout
    built = measure([args.python, "-m", "reportgen", "build", str(runs), "-o", str(out), "-q"], clean, cwd=args.work)

    def line(label: str, m: Measure) -> str:
        failed = f"  EXIT {m.rc}: {m.stderr.strip()[-300:]}" if m.rc not in (0, 1) else ""
        return f"  {label:<22} wall {m.wall:7.2f} s  cpu {m.cpu:7.2f} s{failed}"

    print(f"held-out sweep: {args.runs} CSV runs x {args.steps} steps, cold, python {args.python}")
    print(line("naive script", naive))
    print(line("reportgen build", built))
    print(f"  ratio: {naive.cpu / built.cpu:.2f}x less CPU time, {naive.wall / built.wall:.2f}x less wall time"
          " (goal: 4x and 5x)")


if __name__ == "__main__":
    main()
