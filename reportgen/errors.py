"""Errors that reach the user: where (file, line, column) is kept apart from what, and
formatted in one place so every stage speaks the same `path:line:col: key: message` shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    path: Path | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        if self.path is None:
            return ""
        text = display_path(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


def display_path(path: Path) -> str:
    """Relative to the working directory when below it, so messages stay short and stable."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class ReportgenError(Exception):
    """Base of every error reportgen reports to a user. `exit_code` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, where: Location | None = None, key: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where or Location()
        self.key = key

    def format_message(self) -> str:
        parts = []
        where = str(self.where)
        if where:
            parts.append(where)
        if self.key:
            parts.append(self.key)
        parts.append(self.message)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.format_message()


class UsageError(ReportgenError):
    """The command line itself is wrong."""

    exit_code = 2


class ManifestError(ReportgenError):
    """A run manifest or the site config is malformed or invalid."""


class ReadError(ReportgenError):
    """A log file is missing, unreadable, or not in a supported format."""


class OutputError(ReportgenError):
    """The output folder cannot be written safely."""
