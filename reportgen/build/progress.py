"""A progress bar on stderr for builds that take longer than a moment: runs read, figures drawn,
pages written. Shown only on a terminal (never in CI logs or pipes) and never with -q; the CLI
decides, the build just reports counts."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 0.5  # seconds before the bar first appears: a quick build prints nothing
INTERVAL = 0.1  # at most ten redraws a second


def wants_bar(stream: TextIO, quiet: bool, environ: dict[str, str] | None = None) -> bool:
    """A bar belongs on an interactive terminal only: not with -q, not in CI, not TERM=dumb."""
    env = os.environ if environ is None else environ
    if quiet or env.get("CI") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Counts for the named stage; draws `label [#####.....] done/total` in place."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic, width: int = 30):
        self.stream = stream
        self.clock = clock
        self.width = width
        self.started = clock()
        self.last_draw = -1.0
        self.shown = False
        self.label = ""
        self.total = 0
        self.done = 0

    def stage(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw(force=self.done >= self.total)

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[2K")  # clear the line so messages that follow start clean
            self.stream.flush()
            self.shown = False

    def _draw(self, force: bool) -> None:
        now = self.clock()
        if now - self.started < DELAY:
            return
        if not force and now - self.last_draw < INTERVAL:
            return
        self.last_draw = now
        total = max(self.total, 1)
        filled = min(self.width, self.width * self.done // total)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label:<16} [{bar}] {self.done}/{self.total}")
        self.stream.flush()
        self.shown = True
