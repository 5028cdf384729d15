"""What every reader shares: the reader record in the registry, and turning raw columns
(in the order they were written) into clean `Series` with TensorBoard's restart rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import Location, ReadError
from reportgen.model import LogData, Restart, Series


@dataclass(frozen=True)
class Reader:
    """One log format. `sniff(path, head)` says whether a file or folder looks like this format
    (`head` is the first few KiB of a file, b"" for a folder); `read(path)` returns LogData or raises
    ReadError."""

    name: str
    sniff: Callable[[Path, bytes], bool]
    read: Callable[[Path], LogData]


STEP_COLUMNS = ("step", "global_step", "steps", "iteration", "iter", "it", "batch", "n_iter")
# "epochs" is left out: in logs it is the configured total (a sweep's setting), not a counter
EPOCH_COLUMNS = ("epoch", "ep")
TIME_COLUMNS = ("wall_time", "walltime", "time", "timestamp", "created_at")
# Fields of the Hugging Face Trainer's one end-of-training record (with train_loss, total_flos,
# ...): that record is metadata, not a curve point.
HF_SUMMARY_MARKERS = ("train_runtime", "train_samples_per_second", "train_steps_per_second")

# Text tokens that mean "not a number" in logs written by Python, numpy, pandas, JS and R.
NONFINITE_TOKENS = {
    "nan": np.nan,
    "+nan": np.nan,
    "-nan": np.nan,
    "inf": np.inf,
    "+inf": np.inf,
    "-inf": -np.inf,
    "infinity": np.inf,
    "+infinity": np.inf,
    "-infinity": -np.inf,
}


# Steps are int64 (the shape every reader returns): a written step must be a whole number below
# 2**63 in size, else the conversion would wrap (2**63 -> -2**63) and fake a restart.
INT64_BOUND = 2.0**63


def bad_steps(x: np.ndarray, written: np.ndarray, *, whole: bool = True) -> np.ndarray:
    """Indices of written x values that are not finite numbers within int64 (not whole, when
    `whole`)."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & (x >= -INT64_BOUND) & (x < INT64_BOUND)
        if whole:
            ok &= x == np.rint(x)
    return np.flatnonzero(written & ~ok)


def step_error(column: str, value: object, path: Path, line: int | None, where: str = "") -> ReadError:
    """A step that cannot be an int64 step, named with its file and line."""
    shown = value if isinstance(value, str) else _number_text(value)
    return ReadError(
        f"{where}{column} {shown} is not a whole number within the 64-bit range: steps count "
        "training updates (0, 1, 2, ...); fix or remove this record",
        Location(path, line),
    )


def _number_text(value: object) -> str:
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return repr(value)
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} digits)"


def parse_float(text: str) -> float | None:
    """A cell as float; None for an empty cell (not logged on that row); NaN/inf tokens kept."""
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        token = NONFINITE_TOKENS.get(text.lower())
        if token is not None:
            return float(token)
        if text.lower() in ("none", "null", "na", "n/a"):
            return None
        raise


def clean_series(
    name: str,
    steps: np.ndarray,
    values: np.ndarray,
    *,
    source: str,
    epoch: np.ndarray | None = None,
    wall_time: np.ndarray | None = None,
) -> tuple[Series, list[Restart]]:
    """Build a Series from points in write order.

    A record at step s supersedes every earlier record with step >= s (TensorBoard's purge rule
    for resumed training); a repeated step right after itself simply overwrites. Each place where
    the step goes down is reported as a Restart. Returns the series (steps ascending, unique) and
    the restarts found.
    """
    steps = np.asarray(steps, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    n = steps.shape[0]
    restarts: list[Restart] = []
    if n == 0:
        keep = np.zeros(0, dtype=bool)
    elif bool((steps[1:] > steps[:-1]).all()):
        keep = None  # the common case: already ascending and unique, nothing superseded
    else:
        # keep i iff every later record has a larger step
        suffix_min = np.minimum.accumulate(steps[::-1])[::-1]
        keep = np.ones(n, dtype=bool)
        keep[:-1] = steps[:-1] < suffix_min[1:]
        # a restart is where the step goes down: training resumed from an earlier checkpoint
        resumed = np.nonzero(steps[1:] < steps[:-1])[0] + 1
        for i in resumed.tolist():
            restarts.append(
                Restart(step=int(steps[i]), source=source, dropped=_dropped(steps, i, len(resumed)))
            )
    sel = slice(None) if keep is None else np.nonzero(keep)[0]
    series = Series(
        name=name,
        steps=steps[sel],
        values=values[sel],
        epoch=None if epoch is None else np.asarray(epoch, dtype=np.float64)[sel],
        wall_time=None if wall_time is None else np.asarray(wall_time, dtype=np.float64)[sel],
    )
    return series, restarts


def _dropped(steps: np.ndarray, i: int, restarts: int) -> int:
    """How many points still standing before record i the record at i supersedes: those at a
    step >= steps[i] that no record between them and i had superseded already. Exact for up to
    64 restarts in a series (O(n) each); beyond that, every earlier record at a step >= steps[i]
    is counted (an overcount, cheap)."""
    before = steps[:i]
    if restarts > 64:
        return int(np.count_nonzero(before >= steps[i]))
    later_min = np.empty_like(before)
    later_min[-1] = np.iinfo(np.int64).max
    later_min[:-1] = np.minimum.accumulate(before[:0:-1])[::-1]
    standing = before < later_min
    return int(np.count_nonzero(standing & (before >= steps[i])))


def merge_restarts(per_series: list[list[Restart]]) -> tuple[Restart, ...]:
    """The restarts of one log from its series' restarts. Series written together restart
    together, so the k-th restart at step s of one series and of another are the same event; a
    log with several restarts at one step (runs appended to one file) keeps each of them.
    Ordered by step; the one that dropped most points stands for the event."""
    best: dict[tuple[int, int], Restart] = {}
    for found in per_series:
        seen: dict[int, int] = {}
        for r in found:
            k = seen.get(r.step, 0)
            seen[r.step] = k + 1
            old = best.get((r.step, k))
            if old is None or r.dropped > old.dropped:
                best[(r.step, k)] = r
    return tuple(best[key] for key in sorted(best))


def head_with_lines(path: Path, head: bytes, lines: int = 3, limit: int = 1 << 20) -> bytes:
    """`head`, extended from the file until it holds `lines` complete lines (a wide CSV's header
    alone can be longer than the sniffing head), up to `limit` bytes."""
    if head.count(b"\n") >= lines or len(head) < 8192:
        return head
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit)
    except OSError:
        return head
    cut = 0
    for _ in range(lines):
        nxt = data.find(b"\n", cut)
        if nxt < 0:
            return data
        cut = nxt + 1
    return data[:cut]


def cannot_read(path: Path, exc: OSError) -> ReadError:
    """The one "cannot read log file" error, with the OS's reason."""
    return ReadError(f"cannot read log file: {exc.strerror or exc}", Location(path))


def read_bytes(path: Path) -> bytes:
    """The whole file; ReadError when the OS refuses (a folder, no permission, ...)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise cannot_read(path, exc) from exc


def read_head(path: Path, size: int = 8192) -> bytes:
    if path.is_dir():
        return b""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise cannot_read(path, exc) from exc


def head_text(head: bytes) -> str | None:
    """A sniffing head as text (UTF-8, or UTF-16 with a BOM; a character cut at the end of the
    head is dropped), or None when it is not text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    try:
        return head.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) >= 8192:
            return head[: exc.start].decode("utf-8").removeprefix("\ufeff")
        return None


def decode_text(data: bytes, path: Path) -> str:
    """Text of a log: UTF-8 (BOM stripped), UTF-16 when it has a BOM; else a ReadError naming the
    first line that is not UTF-8. Every reader decodes through here."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"not a supported log format: byte {exc.start} breaks the UTF-16 text the file "
                "starts as; save the log as UTF-8",
                Location(path),
            ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, data[: exc.start].count(b"\n") + 1) from None
    return text.removeprefix("\ufeff")


def json_problem(exc: ValueError) -> str:
    """json's complaint in the user's words: no Python internals (int_max_str_digits)."""
    message = getattr(exc, "msg", None) or str(exc)
    if "digits" in message and "int" in message.lower():
        return "a number with thousands of digits"
    return message


def load_json(text: str, path: Path, expected: str) -> Any:
    """A whole-file JSON document; ReadError with the line of the problem otherwise."""
    try:
        return json.loads(text)  # Python's json accepts the bare NaN/Infinity loggers write
    except RecursionError:
        raise ReadError(f"not valid JSON (nested too deeply): expected {expected}", Location(path)) from None
    except ValueError as exc:
        raise ReadError(
            f"not valid JSON ({json_problem(exc)}): expected {expected}",
            Location(path, getattr(exc, "lineno", None), getattr(exc, "colno", None)),
        ) from None


def not_utf8(path: Path, line: int) -> ReadError:
    return ReadError(
        "not a supported log format: this line is not UTF-8 text (is this a binary file, or "
        "text saved as Latin-1? save the log as UTF-8)",
        Location(path, line),
    )
