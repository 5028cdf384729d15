"""Where a build's CPU time goes, stage by stage, without a profiler's distortion.

Runs one `-j 1 --no-cache` build of RUNS_DIR in this process, with each stage function wrapped
to charge the CPU time spent inside it (time.process_time) to its stage. Time is charged to the
innermost stage only (a figure drawn while planning the sweep pages counts as "draw", not twice),
so the rows add up to the whole. Not a test: it prints numbers and asserts nothing.

    python bench/build_stages.py RUNS_DIR [-o OUT] [--repeat N]

Stages: imports (reportgen's modules, as `reportgen build` imports them), manifests, read,
analyse, plan, figure data (the tables and inline curves beside each figure, the workbench
overlays), draw (matplotlib, total only), cross-run (group, comparison and sweep pages' own
analysis and planning, and the runs' cross-run payloads), render (Jinja), summaries
(summary.json, summary.md, run records), write, gc (Python's cyclic garbage collector, whichever
stage it interrupts), and "glue" for whatever no stage claims.
A module imported lazily inside a stage is charged to that stage.
"""

from __future__ import annotations

import time

_START = time.process_time()  # before anything of reportgen is imported

import argparse  # noqa: E402
import functools  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

STAGES = (
    "imports", "manifests", "read", "analyse", "plan", "figure data", "draw", "cross-run", "render", "summaries",
    "write", "gc", "glue",
)

# (module, attribute, stage): each stage function wrapped where its caller looks it up. A class
# attribute "Class.method" is wrapped on the class.
TARGETS = (
    ("reportgen.build.pipeline", "load_manifests", "manifests"),
    ("reportgen.build.run_job", "read_run", "read"),
    ("reportgen.build.pipeline", "collect_balance", "read"),
    ("reportgen.build.run_job", "analyse", "analyse"),
    ("reportgen.build.run_job", "with_balance_flags", "analyse"),
    ("reportgen.build.run_job", "table_for", "read"),
    ("reportgen.build.run_job", "read_model_views", "read"),
    ("reportgen.build.run_job", "plan_run_figures", "plan"),
    ("reportgen.build.run_job", "plan_components_figure", "plan"),
    ("reportgen.build.run_job", "plan_thumbnail", "plan"),
    ("reportgen.build.run_job", "plan_balance_figure", "plan"),
    ("reportgen.build.run_job", "plan_model_figures", "plan"),
    ("reportgen.build.pipeline", "plan_dataset_pages", "plan"),
    ("reportgen.build.pipeline", "plan_site", "plan"),
    ("reportgen.build.run_job", "figure_data", "figure data"),
    ("reportgen.build.run_job", "live_figure", "figure data"),
    ("reportgen.build.run_job", "figure_entry", "figure data"),
    ("reportgen.build.run_job", "overlay_script", "figure data"),
    ("reportgen.site.cross_run_pages", "figure_data", "figure data"),
    ("reportgen.site.cross_run_pages", "live_figure", "figure data"),
    ("reportgen.site.cross_run_pages", "figure_entry", "figure data"),
    ("reportgen.figures.draw", "Painter.draw", "draw"),
    ("reportgen.build.incremental", "gather_cross_run", "cross-run"),
    ("reportgen.build.runs", "Runs.payloads", "cross-run"),
    ("reportgen.build.run_job", "_cross_payload", "cross-run"),
    ("reportgen.build.incremental", "render_page", "render"),
    ("reportgen.build.pipeline", "make_env", "render"),
    ("reportgen.build.pipeline", "static_contents", "render"),
    ("reportgen.build.run_job", "run_record", "summaries"),
    ("reportgen.build.run_job", "model_record", "summaries"),
    ("reportgen.build.pipeline", "build_summary", "summaries"),
    ("reportgen.build.pipeline", "_summary_md", "summaries"),
    ("reportgen.build.incremental", "Incremental.summary_json", "summaries"),
    ("reportgen.build.incremental", "Incremental.write", "write"),
)


class Clock:
    """Exclusive CPU time per stage: entering a stage charges the time so far to the one it
    interrupts, leaving it charges its own."""

    def __init__(self) -> None:
        self.spent = dict.fromkeys(STAGES, 0.0)
        self.calls = dict.fromkeys(STAGES, 0)
        self._stack = ["glue"]
        self._since = time.process_time()

    def _switch(self) -> None:
        now = time.process_time()
        self.spent[self._stack[-1]] += now - self._since
        self._since = now

    def wrap(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._switch()
            self._stack.append(stage)
            self.calls[stage] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._switch()
                self._stack.pop()

        return timed

    def on_gc(self, phase: str, _info: dict) -> None:
        self._switch()
        if phase == "start":
            self._stack.append("gc")
            self.calls["gc"] += 1
        elif self._stack[-1] == "gc":
            self._stack.pop()


def instrument(clock: Clock) -> None:
    for module_name, attr, stage in TARGETS:
        owner: Any = importlib.import_module(module_name)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, clock.wrap(getattr(owner, name), stage))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs_dir", type=Path)
    p.add_argument("-o", "--out", type=Path, help="site folder (default: a temporary one, removed after)")
    args = p.parse_args()

    # what `python -m reportgen build` imports before it builds
    import reportgen.build.pipeline
    import reportgen.cli  # noqa: F401

    imports = time.process_time() - _START
    clock = Clock()
    instrument(clock)
    gc.callbacks.append(clock.on_gc)
    out = args.out or Path(tempfile.mkdtemp(prefix="build-stages-")) / "site"
    try:
        start = time.process_time()
        clock._since = start
        report = reportgen.build.pipeline.build(args.runs_dir, out, jobs=1, cache=False)
        clock._switch()
        total = time.process_time() - start
    finally:
        if args.out is None:
            shutil.rmtree(out.parent, ignore_errors=True)
    clock.spent["imports"] = imports
    print(f"{args.runs_dir}: {len(report.runs)} run(s), {report.files} files, -j 1 --no-cache, CPU seconds")
    for stage in STAGES:
        calls = f"{clock.calls[stage]:>7} calls" if clock.calls[stage] else ""
        print(f"  {stage:<12} {clock.spent[stage]:8.2f}  {calls}")
    print(f"  {'total':<12} {imports + total:8.2f}  (build {total:.2f} + imports {imports:.2f})")
    print(f"  {'not drawing':<12} {imports + total - clock.spent['draw']:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
