"""Command line: the one place that turns errors into stderr text and exit codes.

Exit codes: 0 success; 1 some input was bad (the site is still built for the good runs) or
--strict found warnings; 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from reportgen import __version__
from reportgen.errors import ReportgenError

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2


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
    loud = b.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    loud.add_argument("-v", "--verbose", action="store_true", help="print progress and tracebacks")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help/--version
        return int(exc.code or 0)
    if args.command == "build":
        return _build(args)
    parser.error(f"unknown command {args.command}")  # pragma: no cover - argparse rejects first
    return EXIT_USAGE


def _build(args: argparse.Namespace) -> int:
    from reportgen.build import build

    def progress(message: str) -> None:
        if args.verbose:
            print(f"reportgen: {message}", file=sys.stderr)

    try:
        report = build(args.runs_dir, args.out, progress=progress)
    except ReportgenError as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return exc.exit_code
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
    return EXIT_OK
