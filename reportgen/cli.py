"""Command line: the one place that turns errors into stderr text and exit codes.

Exit codes: 0 success; 1 some input was bad (the site is still built for the good runs),
--strict found warnings, an output path cannot be written, `serve`'s port is taken, or an
internal error (reported as one line asking for a bug report; -v adds the traceback); 2 usage
error; 3 `--fail-on` matched a flag (the whole site, summary.md and any --single-file report
are written first). When inputs are bad too, 1 wins: a broken run might carry the flag the
gate is looking for.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen import __version__
from reportgen.build.output_paths import (
    check_out_parent,
    check_single_file_target,
    mark_single_file,
)
from reportgen.errors import ReportgenError

if TYPE_CHECKING:
    from reportgen.build.pipeline import BuildReport

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_FLAGGED = 3
BUG_REPORT = "please report it with the command you ran (-v shows the traceback)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Turn folders of ML training logs into a linked static HTML report site.",
    )
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    b = sub.add_parser("build", help="build the report site from a folder of run manifests")
    b.add_argument("runs_dir", metavar="DIR", type=Path, help="folder with run manifests (*.yaml)")
    b.add_argument("-o", "--out", type=Path, default=Path("site"), help="output folder (default: site)")
    b.add_argument("--strict", action="store_true", help="fail (exit 1) when there are warnings")
    b.add_argument("-j", "--jobs", type=int, default=None, metavar="N", help="worker processes (default: every core)")
    b.add_argument("--no-cache", action="store_true", help="rebuild every run instead of reusing unchanged ones")
    b.add_argument(
        "--single-file",
        metavar="OUT.html",
        type=Path,
        help="also write the whole report as one self-contained HTML file (figures and CSS inside)",
    )
    b.add_argument(
        "--fail-on",
        metavar="KIND[,KIND...]",
        help="exit 3 after writing the site when a run carries one of these flags "
        "(e.g. divergence,overfitting; 'error' = any error-severity flag; 'any')",
    )
    _allow_outside(b)
    b.add_argument(
        "--site-url",
        metavar="URL",
        help="where the site will be published (e.g. https://user.github.io/repo/): "
        "makes summary.md's links absolute, for PR comments",
    )
    _loudness(b)
    c = sub.add_parser("check", help="validate manifests and logs without building (fast; for pre-commit)")
    c.add_argument("runs_dir", metavar="DIR", type=Path, help="folder with run manifests (*.yaml)")
    _allow_outside(c)
    _loudness(c)
    s = sub.add_parser("serve", help="build into a temporary folder, serve it on localhost, rebuild on changes")
    s.add_argument("runs_dir", metavar="DIR", type=Path, help="folder with run manifests (*.yaml)")
    s.add_argument("-p", "--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0: any free port)")
    s.add_argument("--interval", type=float, default=0.5, help="seconds between checks for changes (default: 0.5)")
    _allow_outside(s)
    _loudness(s)
    return parser


def _allow_outside(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-outside",
        metavar="PATH",
        type=Path,
        action="append",
        default=[],
        help="let manifests name files in this folder outside the runs folder (repeatable)",
    )


def _loudness(p: argparse.ArgumentParser) -> None:
    loud = p.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    loud.add_argument("-v", "--verbose", action="store_true", help="print progress and tracebacks")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help/--version
        return int(exc.code or 0)
    commands = {"build": _build, "check": _check, "serve": _serve}
    try:
        for folder in getattr(args, "allow_outside", []):
            if not folder.is_dir():
                print(f"error: --allow-outside: not a folder: {folder}", file=sys.stderr)
                return EXIT_USAGE
        return commands[args.command](args)
    except ReportgenError as exc:
        return _fail(exc, args.verbose)
    except KeyboardInterrupt:
        raise
    except MemoryError:
        print(f"error: ran out of memory during {args.command}; close other programs or split the runs", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        # the system refused a read or write reportgen did not expect to fail
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - a bug: one line, not a traceback, unless -v
        print(f"error: internal error during {args.command} ({type(exc).__name__}: {exc}); {BUG_REPORT}", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return EXIT_INPUT


def _fail(exc: ReportgenError, verbose: bool) -> int:
    print(f"error: {exc.format_message()}", file=sys.stderr)
    if verbose:
        traceback.print_exc()
    return exc.exit_code


def _build(args: argparse.Namespace) -> int:
    from reportgen.analysis.gate import parse_fail_on
    from reportgen.build.pipeline import build

    def progress(message: str) -> None:
        if args.verbose:
            print(f"reportgen: {message}", file=sys.stderr)

    from reportgen.build.progress import Progress, wants_bar

    if args.jobs is not None and args.jobs < 1:
        print("error: -j/--jobs: expected a whole number of at least 1", file=sys.stderr)
        return EXIT_USAGE
    bar = Progress(sys.stderr) if wants_bar(sys.stderr, args.quiet or args.verbose) else None
    try:
        fail_on = parse_fail_on(args.fail_on) if args.fail_on is not None else ()
        check_out_parent(args.out)
        if args.single_file is not None:
            check_single_file_target(args.single_file)  # before building: refuse early
        report = build(
            args.runs_dir, args.out, progress=progress, site_url=args.site_url,
            bar=bar, jobs=args.jobs, cache=not args.no_cache, allow_outside=tuple(args.allow_outside),
        )
        if args.single_file is not None:
            _single_file(report, args.single_file)
            progress(f"wrote the single-file report {args.single_file}")
    except ReportgenError as exc:
        return _fail(exc, args.verbose)
    for problem in report.problems:
        print(f"error: {problem.format_message()}", file=sys.stderr)
    for warning in report.warnings:
        if not args.quiet or args.strict:
            print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        flags = ", ".join(f"{k} {v}" for k, v in report.flags.items()) or "none"
        print(
            f"built {len(report.runs)} run(s) into {args.out} ({report.files} files); flags: {flags}",
            file=sys.stderr,
        )
    if report.problems:
        return EXIT_INPUT
    if args.strict and report.warnings:
        print(f"error: --strict: {len(report.warnings)} warning(s)", file=sys.stderr)
        return EXIT_INPUT
    if fail_on:
        hits = _gate_hits(args.out, fail_on)
        if hits:
            for name, kind in hits:
                print(f"error: --fail-on: run {name!r} is flagged {kind}", file=sys.stderr)
            print(f"error: --fail-on: {len(hits)} flag(s) matched {','.join(fail_on)}", file=sys.stderr)
            return EXIT_FLAGGED
    return EXIT_OK


def _single_file(report: BuildReport, target: Path) -> None:
    from reportgen.build.writer import read_site, write_file
    from reportgen.errors import Location, OutputError
    from reportgen.site.render import make_env
    from reportgen.site.single_file import make_single_file

    assert report.plan is not None  # every finished build has one
    check_single_file_target(target)  # again: the build took a while
    page = mark_single_file(make_single_file(report.plan, make_env(), read_site(report.out)))
    try:
        write_file(target, page)
    except OSError as exc:
        raise OutputError(
            f"cannot write the single-file report: {exc.strerror}; choose another path", Location(target)
        ) from None


def _gate_hits(site: Path, fail_on: tuple[str, ...]) -> list[tuple[str, str]]:
    """Read back the summary.json just written: the documented record of every run's flags."""
    import json

    from reportgen.analysis.gate import gate

    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    return gate(summary["runs"], fail_on)


def _check(args: argparse.Namespace) -> int:
    from reportgen.build.check import check

    try:
        report = check(args.runs_dir, allow_outside=tuple(args.allow_outside))
    except ReportgenError as exc:
        return _fail(exc, args.verbose)
    for problem in report.problems:
        print(f"error: {problem.format_message()}", file=sys.stderr)
    if not args.quiet:
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(
            f"checked {len(report.runs)} valid run(s) in {args.runs_dir}; {len(report.problems)} problem(s)",
            file=sys.stderr,
        )
    return EXIT_INPUT if report.problems else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from reportgen.serve import serve

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if not 0 <= args.port <= 65535:
        print(f"error: -p/--port: expected a port from 0 to 65535, got {args.port}", file=sys.stderr)
        return EXIT_USAGE
    if not 0 < args.interval <= 3600:  # NaN fails too
        print(f"error: --interval: expected seconds above 0 and at most 3600, got {args.interval}", file=sys.stderr)
        return EXIT_USAGE
    try:
        serve(
            args.runs_dir, port=args.port, interval=args.interval, say=say, verbose=args.verbose,
            allow_outside=tuple(args.allow_outside),
        )
    except ReportgenError as exc:
        return _fail(exc, args.verbose)
    except KeyboardInterrupt:
        say("stopped")
    return EXIT_OK
