"""Read throughput of each log reader on large generated files, and our TensorBoard reader side by
side with TensorBoard's own EventAccumulator on the same 1-million-scalar event file.

    python bench/bench_readers.py            # full sizes (10M-row CSV, 1M-scalar event file)
    python bench/bench_readers.py --quick    # a tenth of that, for a smoke run
    python bench/bench_readers.py --dir /tmp/rg-bench   # keep the generated files between runs
    python bench/bench_readers.py --csv-engines --dir /tmp/rg-bench   # CSV parsers side by side

`--crc` times the CRC-32C check of event-file records three ways: our pure-Python fallback,
google-crc32c called once per record from a loop, and the reader's `crc32c_many`, on the
1M-scalar event file and on 2,000 records of 64 KiB (images).

`--csv-engines` times reportgen's `read_table` against pandas' C parser and pyarrow.csv (when
installed) on the bench corpora (bench/corpus.py: a sweep of 200 CSV runs, a 1M-step run) and on
3M-row logs (one dense series; a sparse Lightning metrics.csv); best of 3, CPU seconds. Run at
an older commit it times that commit's own CSV path (`csvparse.read_table`), so the figures in
docs/measurements.md can be remade.

Prints one row per format: file size, points read, seconds, points/s, values/s (CSV cells) and
peak memory traced while reading (numpy arrays included). Generation time is not counted.
Needs tensorboardX (to write the event file) and tensorboard (the reference reader).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from reportgen.readers import read_log


def _write_lines(path: Path, header: str | None, rows: int, line, chunk: int = 500_000) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        if header is not None:
            fh.write(header + "\n")
        for start in range(0, rows, chunk):
            stop = min(rows, start + chunk)
            fh.write("\n".join(line(i) for i in range(start, stop)) + "\n")


def make_csv(folder: Path, rows: int) -> Path:
    path = folder / f"run_{rows}.csv"
    if not path.exists():
        rng = np.random.default_rng(0)
        noise = rng.random(rows)
        _write_lines(
            path, "step,loss", rows, lambda i: f"{i},{np.exp(-i / rows * 5) + 0.01 * noise[i]:.6f}"
        )
    return path


def make_lightning(folder: Path, rows: int) -> Path:
    run = folder / f"lightning_{rows}" / "version_0"
    path = run / "metrics.csv"
    if not path.exists():
        run.mkdir(parents=True)

        def line(i: int) -> str:
            if i % 100 == 99:
                return f"{i // 1000},{i},,{1 / (i + 1):.6f},"
            if i % 50 == 0:
                return f",{i},,,{1e-3 * 0.999 ** (i // 50):.6g}"
            return f"{i // 1000},{i},{1 / (i + 1):.6f},,"

        _write_lines(path, "epoch,step,train_loss_step,val_loss,lr-Adam", rows, line)
    return run


def make_jsonl(folder: Path, rows: int) -> Path:
    path = folder / f"metrics_{rows}.jsonl"
    if not path.exists():
        _write_lines(
            path,
            None,
            rows,
            lambda i: json.dumps({"iteration": i, "total_loss": 1 / (i + 1), "lr": 0.01}),
        )
    return path


def make_trainer_state(folder: Path, entries: int) -> Path:
    path = folder / f"checkpoint-{entries}" / "trainer_state.json"
    if not path.exists():
        path.parent.mkdir(parents=True)
        history = []
        for i in range(1, entries + 1):
            history.append(
                {
                    "epoch": i / 100,
                    "grad_norm": 1.0,
                    "learning_rate": 1e-4,
                    "loss": 1 / i,
                    "step": i,
                }
            )
            if i % 10 == 0:
                history.append(
                    {"epoch": i / 100, "eval_loss": 2 / i, "eval_runtime": 1.0, "step": i}
                )
        path.write_text(
            json.dumps({"log_history": history, "global_step": entries}, indent=2), encoding="utf-8"
        )
    return path.parent


def make_keras(folder: Path, epochs: int) -> Path:
    path = folder / f"training_{epochs}.log"
    if not path.exists():
        _write_lines(
            path,
            "epoch,accuracy,loss,val_accuracy,val_loss",
            epochs,
            lambda i: f"{i},{1 - 1 / (i + 2):.6f},{1 / (i + 1):.6f},{0.9:.6f},{1.5 / (i + 1):.6f}",
        )
    return path


def make_mlflow(folder: Path, points: int) -> Path:
    run = folder / f"mlruns_{points}" / "0" / "run"
    if not (run / "meta.yaml").exists():
        (run / "metrics").mkdir(parents=True)
        for name in ("train_loss", "val_loss"):
            _write_lines(
                run / "metrics" / name,
                None,
                points,
                lambda i: f"{1700000000000 + i} {1 / (i + 1)} {i}",
            )
        (run / "meta.yaml").write_text("run_id: run\n", encoding="utf-8")
    return run


def make_events(folder: Path, scalars: int) -> Path:
    run = folder / f"tb_{scalars}"
    if not run.exists():
        from tensorboardX import SummaryWriter

        writer = SummaryWriter(str(run), max_queue=100_000, flush_secs=3600)
        values = 1.0 / np.arange(1, scalars + 1)
        for i in range(scalars):
            writer.add_scalar("train/loss", float(values[i]), i, walltime=1.7e9 + i)
        writer.close()
    return run


def measure(path: Path) -> tuple[int, float, float, float]:
    """(points, wall seconds, CPU seconds, peak MiB traced) for reading `path` with format auto.
    CPU time is shown because a shared machine's wall time varies with its load. Timed without
    tracemalloc (which slows every allocation), then read again under it for the peak."""
    start = time.perf_counter()
    cpu = time.process_time()
    data = read_log(path)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    points = sum(len(s) for s in data.series.values())
    del data
    tracemalloc.start()
    read_log(path)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return points, seconds, cpu, peak


def event_accumulator(path: Path) -> tuple[int, float, float]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    start = time.perf_counter()
    cpu = time.process_time()
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0})  # 0 = keep every scalar
    acc.Reload()
    count = sum(len(acc.Scalars(tag)) for tag in acc.Tags()["scalars"])
    return count, time.perf_counter() - start, time.process_time() - cpu


def _size(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def _best_cpu(read, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        cpu = time.process_time()
        read()
        times.append(time.process_time() - cpu)
    return min(times)


def csv_engines(folder: Path) -> None:
    """CPU seconds to parse the same CSV files with each engine (see the module docstring)."""
    import io

    import pandas as pd

    try:
        from reportgen.readers.delimited import read_table
    except ImportError:  # before pandas: the numpy/SWAR parser
        from reportgen.readers.csvparse import read_table  # type: ignore[no-redef]
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        pa.set_cpu_count(1)  # one core, like the others: builds run one reader per worker
    except ImportError:
        pacsv = None
    from corpus import csv_sweep, long_run

    sweep = sorted((csv_sweep(folder / "sweep", 200, 10_000) / "logs").glob("*.csv"))
    cases = [
        ("sweep 200 x 10k rows", sweep),
        ("long run 1M rows", sorted((long_run(folder / "long", 1_000_000) / "logs").glob("*.csv"))),
        ("dense 3M rows", [make_csv(folder, 3_000_000)]),
        ("lightning 3M rows", [make_lightning(folder, 3_000_000) / "metrics.csv"]),
    ]
    empties = ["", "None", "null", "NA", "N/A"]

    def with_pandas(files: list[Path]) -> None:
        for f in files:
            pd.read_csv(io.BytesIO(f.read_bytes()), keep_default_na=False, na_values=empties, engine="c")

    def with_arrow(files: list[Path]) -> None:
        options = pacsv.ConvertOptions(null_values=empties, strings_can_be_null=True)
        for f in files:
            pacsv.read_csv(f, convert_options=options, read_options=pacsv.ReadOptions(use_threads=False))

    def with_reportgen(files: list[Path]) -> None:
        for f in files:
            read_table(f)

    print(f"{'corpus':<22} {'MiB':>7} {'reportgen':>10} {'pandas':>8} {'pyarrow':>8}   (CPU s, best of 3)")
    for label, files in cases:
        mib = sum(f.stat().st_size for f in files) / 2**20
        ours = _best_cpu(lambda files=files: with_reportgen(files))
        plain = _best_cpu(lambda files=files: with_pandas(files))
        arrow = f"{_best_cpu(lambda files=files: with_arrow(files)):>8.2f}" if pacsv is not None else f"{'-':>8}"
        print(f"{label:<22} {mib:>7.1f} {ours:>10.2f} {plain:>8.2f} {arrow}")


def crc_ways(folder: Path) -> None:
    """CPU seconds to checksum every record (see the module docstring)."""
    import google_crc32c

    from reportgen.readers import crc32c
    from reportgen.readers.tfrecord import frame_records

    event_file = next(make_events(folder, 1_000_000).rglob("*tfevents*"))
    records = frame_records(event_file.read_bytes(), event_file)
    rng = np.random.default_rng(0)
    long_buf = rng.integers(0, 256, 2000 * 65536, dtype=np.uint8)
    cases = [
        ("1M scalar events", np.frombuffer(records.data, dtype=np.uint8), records.offsets, records.lengths),
        ("2,000 x 64 KiB", long_buf, np.arange(2000, dtype=np.int64) * 65536, np.full(2000, 65536, np.int64)),
    ]
    fast = crc32c._FAST

    def fallback(buf, offs, lens) -> None:
        crc32c._FAST = None
        try:
            crc32c.crc32c_many(buf, offs, lens)
        finally:
            crc32c._FAST = fast

    def per_record(buf, offs, lens) -> None:
        data = buf.tobytes() if buf.base is None else bytes(buf)
        value = google_crc32c.value
        [value(data[o : o + n]) for o, n in zip(offs.tolist(), lens.tolist())]

    print(f"{'records':<20} {'fallback':>11} {'per record (C)':>15} {'crc32c_many':>14}   (CPU s)")
    for label, buf, offs, lens in cases:
        ways = [
            _best_cpu(lambda buf=buf, offs=offs, lens=lens: fallback(buf, offs, lens), repeat=1),
            _best_cpu(lambda buf=buf, offs=offs, lens=lens: per_record(buf, offs, lens)),
            _best_cpu(lambda buf=buf, offs=offs, lens=lens: crc32c.crc32c_many(buf, offs, lens)),
        ]
        print(f"{label:<20} {ways[0]:>11.2f} {ways[1]:>15.2f} {ways[2]:>14.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crc", action="store_true", help="compare CRC-32C ways (see above)")
    parser.add_argument("--csv-engines", action="store_true", help="compare CSV parsers (see above)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument(
        "--dir", type=Path, help="where to keep generated files (default: a temp dir)"
    )
    parser.add_argument("--formats", help="comma-separated subset, e.g. csv,tensorboard")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    folder = args.dir or Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.csv_engines:
        csv_engines(folder)
        return
    if args.crc:
        crc_ways(folder)
        return
    print(f"generating inputs in {folder} ...", flush=True)
    makers = [
        ("csv", lambda: make_csv(folder, 10_000_000 // scale), 2),
        ("lightning", lambda: make_lightning(folder, 2_000_000 // scale), 0),
        ("keras", lambda: make_keras(folder, 1_000_000 // scale), 0),
        ("jsonl", lambda: make_jsonl(folder, 1_000_000 // scale), 0),
        ("hf_trainer", lambda: make_trainer_state(folder, 200_000 // scale), 0),
        ("mlflow", lambda: make_mlflow(folder, 1_000_000 // scale), 0),
        ("tensorboard", lambda: make_events(folder, 1_000_000 // scale), 0),
    ]
    wanted = set(args.formats.split(",")) if args.formats else {name for name, _, _ in makers}
    cases = [(name, make(), columns) for name, make, columns in makers if name in wanted]
    print(
        f"{'format':<12} {'MiB':>7} {'points':>11} {'wall s':>7} {'cpu s':>7} {'points/s':>11} "
        f"{'(cpu)':>11} {'values/s':>11} {'(cpu)':>11} {'peak MiB':>9}"
    )
    tb_rate = tb_cpu_rate = 0.0
    tb_path = folder
    for name, path, columns in cases:
        points, seconds, cpu, peak = measure(path)
        # values/s counts every parsed cell of the one-series CSV: the step column too
        values = (
            f"{points * columns / seconds:>11,.0f} {points * columns / cpu:>11,.0f}"
            if columns
            else f"{'':>11} {'':>11}"
        )
        print(
            f"{name:<12} {_size(path):>7.1f} {points:>11,} {seconds:>7.2f} {cpu:>7.2f} "
            f"{points / seconds:>11,.0f} {points / cpu:>11,.0f} {values} {peak:>9.0f}"
        )
        if name == "tensorboard":
            tb_rate = points / seconds
            tb_cpu_rate = points / cpu
            tb_path = path
    if "tensorboard" not in wanted:
        return
    count, seconds, cpu = event_accumulator(tb_path)
    print(
        f"\nTensorBoard EventAccumulator (size_guidance scalars=0) on the same file: {count:,} scalars "
        f"in {seconds:.2f} s wall, {cpu:.2f} s cpu = {count / seconds:,.0f} scalars/s "
        f"({count / cpu:,.0f} by cpu)\nours: {tb_rate:,.0f} scalars/s ({tb_cpu_rate:,.0f} by cpu) = "
        f"{tb_rate / (count / seconds):.1f}x by wall time, {tb_cpu_rate / (count / cpu):.1f}x by cpu time"
    )


if __name__ == "__main__":
    main()
