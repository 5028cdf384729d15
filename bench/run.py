"""Issue 7 benchmarks: generate corpora, build them, print wall time, CPU time, peak memory and
output size, each against the naive per-run matplotlib script (bench/naive.py) run in the same
invocation. Not a test: it prints numbers, it asserts nothing.

    python bench/run.py                      # every case, full size (takes a long while)
    python bench/run.py --cases a,d --runs 200 --baseline-limit 100

Cases: (a) RUNS CSV runs x STEPS steps, train every step, validation every 100; (b) one run of
LONG_STEPS steps; (c) TB_RUNS TensorBoard runs written by tensorboardX (needs the tensorboard
reader); (d) incremental rebuilds of (a) after touching one log and after editing one manifest's
notes. `--baseline-limit N` times the naive script on N runs only and scales its time up (said so
in the output).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import csv_sweep, long_run, tensorboard_runs  # noqa: E402 - corpus.py sits beside this script


@dataclass
class Measure:
    wall: float
    cpu: float  # user + system of the process and everything it waited for
    rss_max: int  # bytes, largest single process
    rss_tree: int  # bytes, largest sampled sum over the process tree
    rc: int
    stderr: str


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def measure(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 0, cwd: Path = ROOT) -> Measure:
    """Run `cmd`, sampling the RSS and CPU time of its whole process tree every 20 ms (worker
    processes of a fork server are not our children, so rusage alone would miss them)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    peak = [0]
    cpu_by_pid: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            todo, total = [proc.pid], 0
            while todo:
                pid = todo.pop()
                total += _rss(pid)
                if pid != proc.pid:
                    cpu_by_pid[pid] = max(cpu_by_pid.get(pid, 0.0), _cpu(pid))
                todo.extend(_children(pid))
            peak[0] = max(peak[0], total)
            if timeout and time.perf_counter() - start > timeout:
                proc.kill()
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr_chunks = []
    assert proc.stderr is not None
    for line in proc.stderr:
        stderr_chunks.append(line.decode("utf-8", "replace"))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measure(
        wall=wall,
        cpu=max(usage.ru_utime + usage.ru_stime, sum(cpu_by_pid.values())),
        rss_max=usage.ru_maxrss * 1024,
        rss_tree=peak[0],
        rc=proc.returncode,
        stderr="".join(stderr_chunks),
    )


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def reportgen_cmd(runs: Path, out: Path, jobs: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "reportgen", "build", str(runs), "-o", str(out), "-q"]
    return cmd + (["-j", str(jobs)] if jobs else [])


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in e.get("PYTHONPATH", "").split(os.pathsep) if p])
    e.pop("SOURCE_DATE_EPOCH", None)
    return e


def baseline(runs: Path, out: Path, count: int, limit: int) -> tuple[Measure, float]:
    """The naive script; returns its measure and its time scaled to all `count` runs."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, str(HERE / "naive.py"), str(runs), str(out)]
    if limit and limit < count:
        cmd += ["--limit", str(limit)]
    m = measure(cmd, env())
    if m.rc != 0:
        print(f"  naive script failed (exit {m.rc}):\n{m.stderr[-2000:]}")
    scale = count / limit if limit and limit < count else 1.0
    return m, m.wall * scale


def row(label: str, m: Measure, runs: int, out: Path | None, naive_wall: float | None) -> None:
    ratio = f"{naive_wall / m.wall:6.1f}x faster than naive" if naive_wall else ""
    size = f"out {mb(size_of(out))} ({size_of(out) / max(runs, 1) / 1e3:,.0f} KB/run)" if out and out.exists() else ""
    print(
        f"  {label:<34} wall {m.wall:8.2f} s  cpu {m.cpu:8.2f} s  peak RSS {mb(m.rss_max)} (tree {mb(m.rss_tree)})  {size}  {ratio}"
        + (f"  EXIT {m.rc}: {m.stderr.strip().splitlines()[-1] if m.stderr.strip() else ''}" if m.rc not in (0, 1) else "")
    )


READ_SNIPPET = """
import sys, time
from pathlib import Path
from reportgen.readers import read_log
logs = sorted(Path(sys.argv[1]).rglob(sys.argv[2]))
values = 0
start = time.perf_counter()
for path in logs:
    data = read_log(path, "auto")
    values += sum(len(s) for s in data.series.values())
    first = next(iter(data.series.values()))
    values += len(first)  # the step column is read too
wall = time.perf_counter() - start
print(f"{values} {wall}", file=sys.stderr)
"""


def reader_speed(logs: Path, pattern: str) -> None:
    """Values per second of the log readers alone (one process, files in page cache)."""
    m = measure([sys.executable, "-c", READ_SNIPPET, str(logs), pattern], env())
    try:
        values, wall = m.stderr.strip().splitlines()[-1].split()
        rate = int(values) / float(wall)
        print(f"  {'readers alone (' + pattern + ')':<34} {int(values):,} values in {float(wall):.2f} s = {rate / 1e6:,.1f} M values/s, peak RSS {mb(m.rss_max)}")
    except (ValueError, IndexError):
        print(f"  readers alone failed (exit {m.rc}): {m.stderr[-1500:]}")


def cold(runs: Path, out: Path, jobs: int | None, timeout: float = 0) -> Measure:
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.parent / ".reportgen-cache", ignore_errors=True)
    return measure(reportgen_cmd(runs, out, jobs), env(), timeout=timeout)


def case_a_d(work: Path, args: argparse.Namespace) -> None:
    runs = csv_sweep(work / "sweep", args.runs, args.steps)
    print(f"(a) {args.runs} CSV runs x {args.steps} steps ({mb(size_of(runs))} of logs)")
    naive_out = work / "naive-sweep"
    nm, naive_wall = baseline(runs, naive_out, args.runs, args.baseline_limit)
    note = f" (timed on {args.baseline_limit} runs, scaled x{args.runs / args.baseline_limit:g})" if args.baseline_limit and args.baseline_limit < args.runs else ""
    scale = args.runs / args.baseline_limit if note else 1.0
    print(f"  {'naive script' + note:<34} wall {naive_wall:8.2f} s  cpu {nm.cpu * scale:8.2f} s  peak RSS {mb(nm.rss_max)}")
    out = work / "site-sweep"
    m = cold(runs, out, args.jobs)
    row("reportgen cold build", m, args.runs, out, naive_wall)
    reader_speed(runs / "logs", "*.csv")
    if "d" not in args.cases:
        return
    print("(d) incremental rebuilds of (a)")
    m = measure(reportgen_cmd(runs, out, args.jobs), env())
    row("rebuild, nothing changed", m, args.runs, None, naive_wall)
    log = runs / "logs" / "sweep-0007.csv"
    os.utime(log, None)
    m = measure(reportgen_cmd(runs, out, args.jobs), env())
    row("rebuild after touching one log", m, args.runs, None, naive_wall)
    with open(runs / "logs" / "sweep-0013.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{args.steps},0.5,\n")  # training went on one step: new contents
    m = measure(reportgen_cmd(runs, out, args.jobs), env())
    row("rebuild after one log grew a row", m, args.runs, None, naive_wall)
    manifest = runs / "sweep-0011.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("notes: ", f"notes: edited {time.time():.0f}. "), encoding="utf-8")
    m = measure(reportgen_cmd(runs, out, args.jobs), env())
    row("rebuild after editing one note", m, args.runs, None, naive_wall)


def case_b(work: Path, args: argparse.Namespace) -> None:
    runs = long_run(work / "long", args.long_steps)
    print(f"(b) one CSV run of {args.long_steps:,} steps ({mb(size_of(runs))} of logs)")
    reader_speed(runs / "logs", "*.csv")
    nm, naive_wall = baseline(runs, work / "naive-long", 1, 0)
    row("naive script", nm, 1, None, None)
    out = work / "site-long"
    m = cold(runs, out, args.jobs, timeout=args.timeout)
    if m.rc < 0:
        print(f"  reportgen did not finish within --timeout {args.timeout:g} s (killed)")
    row("reportgen cold build", m, 1, out, naive_wall if nm.rc == 0 else None)


def case_c(work: Path, args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from reportgen.readers import REGISTRY

    if "tensorboard" not in REGISTRY:
        print("(c) skipped: this reportgen has no tensorboard reader yet (it lands with the readers "
              "branch); the corpus is still written so the case runs as soon as it does")
    runs = tensorboard_runs(work / "tb", args.tb_runs, args.steps)
    if "tensorboard" not in REGISTRY:
        return
    print(f"(c) {args.tb_runs} TensorBoard runs x {args.steps} steps ({mb(size_of(runs))} of event files)")
    nm, naive_wall = baseline(runs, work / "naive-tb", args.tb_runs, 0)
    row("naive script (EventAccumulator)", nm, args.tb_runs, None, None)
    out = work / "site-tb"
    m = cold(runs, out, args.jobs)
    row("reportgen cold build", m, args.tb_runs, out, naive_wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/reportgen-bench"), help="corpora and outputs")
    parser.add_argument("--cases", default="a,b,c,d")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--long-steps", type=int, default=10_000_000)
    parser.add_argument("--tb-runs", type=int, default=100)
    parser.add_argument("--baseline-limit", type=int, default=0, help="time the naive script on N runs and scale")
    parser.add_argument("-j", "--jobs", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=900, help="give up on a reportgen build after this many seconds")
    args = parser.parse_args()
    args.cases = set(args.cases.split(","))
    args.work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"reportgen bench: {os.cpu_count()} cores, load average {load:.1f} at start")
    if args.cases & {"a", "d"}:
        case_a_d(args.work, args)
    if "b" in args.cases:
        case_b(args.work, args)
    if "c" in args.cases:
        case_c(args.work, args)


if __name__ == "__main__":
    main()
