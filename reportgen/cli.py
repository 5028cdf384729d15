"""Command line: the one place that turns errors into stderr text and exit codes.

Exit codes: 0 success; 1 some input was bad (the site is still built for the good runs) or
--strict found warnings; 2 usage error; 3 `--fail-on` matched a flag (the whole site, summary.md
and any --single-file report are written first). When inputs are bad too, 1 wins: a broken run
might carry the flag the gate is looking for.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen import __version__
from reportgen.errors import ReportgenError

if TYPE_CHECKING:
    from reportgen.build import BuildReport

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_FLAGGED = 3


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
    b.add_argument(
        "--site-url",
        metavar="URL",
        help="where the site will be published (e.g. https://user.github.io/repo/): "
        "makes summary.md's links absolute, for PR comments",
    )
    _loudness(b)
    c = sub.add_parser("check", help="validate manifests and logs without building (fast; for pre-commit)")
    c.add_argument("runs_dir", metavar="DIR", type=Path, help="folder with run manifests (*.yaml)")
    _loudness(c)
    s = sub.add_parser("serve", help="build into a temporary folder, serve it on localhost, rebuild on changes")
    s.add_argument("runs_dir", metavar="DIR", type=Path, help="folder with run manifests (*.yaml)")
    s.add_argument("-p", "--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0: any free port)")
    s.add_argument("--interval", type=float, default=0.5, help="seconds between checks for changes (default: 0.5)")
    _loudness(s)
    return parser


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
    if args.command == "build":
        return _build(args)
    if args.command == "check":
        return _check(args)
    if args.command == "serve":
        return _serve(args)
    parser.error(f"unknown command {args.command}")  # pragma: no cover - argparse rejects first
    return EXIT_USAGE


def _fail(exc: ReportgenError, verbose: bool) -> int:
    print(f"error: {exc.format_message()}", file=sys.stderr)
    if verbose:
        traceback.print_exc()
    return exc.exit_code


def _build(args: argparse.Namespace) -> int:
    from reportgen.build import build
    from reportgen.gate import parse_fail_on

    def progress(message: str) -> None:
        if args.verbose:
            print(f"reportgen: {message}", file=sys.stderr)

    from reportgen.progress import Progress, wants_bar

    if args.jobs is not None and args.jobs < 1:
        print("error: -j/--jobs: expected a whole number of at least 1", file=sys.stderr)
        return EXIT_USAGE
    bar = Progress(sys.stderr) if wants_bar(sys.stderr, args.quiet or args.verbose) else None
    try:
        fail_on = parse_fail_on(args.fail_on) if args.fail_on is not None else ()
        report = build(
            args.runs_dir, args.out, progress=progress, site_url=args.site_url,
            bar=bar, jobs=args.jobs, cache=not args.no_cache,
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
    from reportgen.render import make_env
    from reportgen.single_file import make_single_file
    from reportgen.writer import read_site, write_file

    assert report.plan is not None  # every finished build has one
    write_file(target, make_single_file(report.plan, make_env(), read_site(report.out)))


def _gate_hits(site: Path, fail_on: tuple[str, ...]) -> list[tuple[str, str]]:
    """Read back the summary.json just written: the documented record of every run's flags."""
    import json

    from reportgen.gate import gate

    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    return gate(summary["runs"], fail_on)


def _check(args: argparse.Namespace) -> int:
    from reportgen.check import check

    try:
        report = check(args.runs_dir)
    except ReportgenError as exc:
        return _fail(exc, args.verbose)
    for problem in report.problems:
        print(f"error: {problem.format_message()}", file=sys.stderr)
    if not args.quiet:
        print(
            f"checked {len(report.runs)} valid run(s) in {args.runs_dir}; {len(report.problems)} problem(s)",
            file=sys.stderr,
        )
    return EXIT_INPUT if report.problems else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from reportgen.serve import serve

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        serve(args.runs_dir, port=args.port, interval=args.interval, say=say, verbose=args.verbose)
    except ReportgenError as exc:
        return _fail(exc, args.verbose)
    except KeyboardInterrupt:
        say("stopped")
    return EXIT_OK
