"""Inside-the-model speed and memory on big checkpoints (issue 18): T snapshots of an N-parameter
float32 model as `.safetensors`, streamed through the reader and the Gram-matrix analysis, and
the run's model figures planned and drawn, as a build does.

    python bench/bench_checkpoints.py                          # 50 x 25M params (5 GB), and 50 x 12.5M
    python bench/bench_checkpoints.py --sizes 2e6 --snapshots 20   # a quick smoke run
    python bench/bench_checkpoints.py --dir /tmp/ckpt-bench --keep # keep the corpus between runs

The corpus is generated under --dir (default: a folder in /tmp; never in the repository) and
deleted afterwards unless --keep. Each size is measured in a fresh process, so its peak RSS
(resource.getrusage ru_maxrss: file pages the reader maps count too) is its own. The files are
in the page cache after being written (warm reads, as on a rebuild right after training); the
cache key's hashing of the files (first build only, build/cache_keys.py) is timed apart.
Prints one JSON line per size and a table; load average (`uptime`) before and after, since the
machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MATRIX = (1024, 1024)  # a transformer-sized weight matrix: most parameters live in ones like it


def shapes_for(params: int) -> list[tuple[str, tuple[int, ...]]]:
    """Parameter names and shapes adding up to `params`: 1024 x 1024 matrices in blocks of 4
    (named as a transformer's), the rest in one bias-like vector."""
    per = MATRIX[0] * MATRIX[1]
    out = []
    for i in range(params // per):
        out.append((f"blocks.{i // 4}.{('q', 'k', 'v', 'o')[i % 4]}.weight", MATRIX))
    rest = params - per * (params // per)
    if rest:
        out.append(("head.bias", (rest,)))
    return out


def generate(folder: Path, params: int, snapshots: int) -> int:
    """A random walk of the parameters with a drift, one safetensors file per snapshot; returns
    total bytes."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    shapes = shapes_for(params)
    state = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in shapes}
    drift = {name: (0.01 * rng.standard_normal(shape)).astype(np.float32) for name, shape in shapes}
    total = 0
    for t in range(snapshots):
        path = folder / f"checkpoint-{100 * t}" / "model.safetensors"
        path.parent.mkdir(exist_ok=True)
        save_file(state, str(path))
        total += path.stat().st_size
        for name, _ in shapes:
            state[name] += drift[name] + np.float32(0.002) * rng.standard_normal(state[name].shape, dtype=np.float32)
    return total


def measure(folder: Path) -> dict:
    """In this process: the model views of the snapshots under `folder` (read, analyse, plan,
    draw), then the cache key's digests of the files. Wall and CPU seconds, peak RSS."""
    import resource

    from reportgen.analysis.model_views import model_views, trajectory_of
    from reportgen.build.cache_keys import FileDigests
    from reportgen.errors import Location
    from reportgen.figures.draw import Painter
    from reportgen.figures.plan_model import plan_model_figures
    from reportgen.model import CheckpointSpec
    from reportgen.readers.checkpoints import find_snapshots, read_layout, stream_blocks

    spec = CheckpointSpec(path=folder.name, where=Location(folder / "run.yaml"))
    wall, cpu = time.perf_counter(), time.process_time()
    refs = find_snapshots(spec, folder.parent)
    layout = read_layout(refs, spec)
    traj = trajectory_of(stream_blocks(refs, layout), np.array([r.step for r in refs], dtype=float))
    views = model_views(traj)
    views_wall, views_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    painter = Painter()
    pngs = [painter.draw(fig) for fig in plan_model_figures(views)]
    draw_wall = time.perf_counter() - wall
    wall, cpu = time.perf_counter(), time.process_time()
    digests = FileDigests()
    for ref in refs:
        for file in ref.files:
            digests.line(file)
    key_wall, key_cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "snapshots": len(refs),
        "parameters": layout.size,
        "bytes": sum(f.stat().st_size for r in refs for f in r.files),
        "views_wall_s": round(views_wall, 2),
        "views_cpu_s": round(views_cpu, 2),
        "draw_wall_s": round(draw_wall, 2),
        "key_wall_s": round(key_wall, 2),
        "key_cpu_s": round(key_cpu, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pc1": round(float(traj.explained[0]), 4),
        "figures": len(pngs),
    }


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25e6,12.5e6", help="parameters per snapshot, comma-separated")
    parser.add_argument("--snapshots", type=int, default=50)
    parser.add_argument("--dir", type=Path, default=None, help="where to generate (default: a new folder in /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    base = args.dir or Path(tempfile.mkdtemp(prefix="reportgen-ckpt-bench-", dir="/tmp"))
    rows = []
    print(f"load before: {uptime()}", flush=True)
    try:
        for size in (int(float(s)) for s in args.sizes.split(",")):
            folder = base / f"p{size}-t{args.snapshots}"
            if not folder.is_dir():
                started = time.perf_counter()
                total = generate(folder, size, args.snapshots)
                print(f"generated {total / 1e9:.2f} GB in {time.perf_counter() - started:.0f} s", flush=True)
            out = subprocess.run([sys.executable, __file__, "--measure", str(folder)], capture_output=True, text=True,
                                 check=True, env=dict(os.environ, PYTHONHASHSEED="0"))
            row = json.loads(out.stdout.strip().splitlines()[-1])
            row["load"] = uptime().split("load average:")[-1].strip()
            print(json.dumps(row), flush=True)
            rows.append(row)
            if not args.keep:
                shutil.rmtree(folder)
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"load after: {uptime()}")
    print("| snapshots x params | GB | read+analyse wall s | CPU s | wall s per GB | figures s | key hashing s | max RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        gb = r["bytes"] / 1e9
        print(f"| {r['snapshots']} x {r['parameters'] / 1e6:g}M | {gb:.2f} | {r['views_wall_s']} | {r['views_cpu_s']} | "
              f"{r['views_wall_s'] / gb:.2f} | {r['draw_wall_s']} | {r['key_wall_s']} | {r['max_rss_mb']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
