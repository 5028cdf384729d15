"""Time to parse and validate 1,000 run manifests (load_manifests, no cache of parsed YAML).

    python bench/bench_manifests.py [N]

Writes N manifests (default 1,000) like a sweep's, each with tags, hparams and a log, into a
temporary folder and prints the best of five load_manifests timings, in wall-clock and in this
process's CPU time (steadier on a shared machine)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from reportgen.manifest.load import load_manifests


def write_sweep(runs: Path, n: int) -> None:
    (runs / "logs").mkdir(parents=True)
    (runs / "logs" / "log.csv").write_text("step,train_loss\n0,1.0\n1,0.5\n", encoding="utf-8")
    for i in range(n):
        (runs / f"run{i:04d}.yaml").write_text(
            f"name: run-{i}\n"
            f"title: Sweep run {i}\n"
            "group: sweep\n"
            "tags: [sweep, resnet, cifar10]\n"
            "notes: |\n  A run of the learning-rate sweep.\n  Nothing special.\n"
            "task: classification\n"
            "num_classes: 10\n"
            "logs:\n  - path: logs/log.csv\n    format: csv\n"
            f"hparams:\n  lr: {0.001 * (i + 1)}\n  batch_size: 128\n  optimizer: adam\n"
            "  schedule: {warmup: 5, decay: cosine}\n  layers: [64, 128, 256]\n",
            encoding="utf-8",
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp) / "runs"
        write_sweep(runs, n)
        times = []
        cpu = []
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            loaded = load_manifests(runs)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert len(loaded.runs) == n and not loaded.problems, loaded.problems[:3]
    print(
        f"load_manifests, {n} manifests: best {min(times):.3f} s, median {sorted(times)[2]:.3f} s; "
        f"CPU best {min(cpu):.3f} s, median {sorted(cpu)[2]:.3f} s"
    )


if __name__ == "__main__":
    main()
