"""Guards on where the command line may write, checked before anything is built: an output
folder below a file, and a `--single-file` report that would overwrite something that is not
an earlier single-file report (a manifest, a page of the site, a log).

A single-file report is recognised by SINGLE_FILE_MARKER, which `mark_single_file` puts in
its <head>."""

from __future__ import annotations

from pathlib import Path

from reportgen.errors import Location, OutputError

SINGLE_FILE_MARKER = b'<meta name="reportgen-report" content="single-file">'
_MARKER_WINDOW = 4096  # the marker sits near the top of the <head>


def check_out_parent(out: Path) -> None:
    """Raise OutputError when a part of `out`'s path is an existing file (`-o notes.txt/sub`)."""
    for parent in reversed(out.parents):
        if parent.exists() and not parent.is_dir():
            raise OutputError(
                f"{parent} is a file, not a folder; choose another output with -o", Location(out)
            )


def mark_single_file(html: bytes) -> bytes:
    """The report with SINGLE_FILE_MARKER right after its <head> (at the top without one)."""
    at = html.find(b"<head>")
    if at < 0:
        return SINGLE_FILE_MARKER + b"\n" + html
    at += len(b"<head>")
    return html[:at] + b"\n" + SINGLE_FILE_MARKER + html[at:]


def check_single_file_target(target: Path) -> None:
    """Raise OutputError unless `target` is a new path or an earlier single-file report."""
    check_out_parent(target)
    if target.is_dir():
        raise OutputError("is a folder; give a file name such as report.html", Location(target))
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_file():
        raise OutputError("exists and is not a regular file; give a new file name", Location(target))
    try:
        with open(target, "rb") as fh:
            head = fh.read(_MARKER_WINDOW)
    except OSError as exc:
        raise OutputError(f"cannot read the existing file: {exc.strerror}", Location(target)) from None
    if SINGLE_FILE_MARKER not in head:
        raise OutputError(
            "exists and is not a single-file report reportgen wrote; refusing to overwrite it. "
            "Give a new file name or remove the file first",
            Location(target),
        )
