"""Files that are not logs but are often pointed at as if they were: said plainly, with what
to do. Consulted when no reader recognises a file (a Git LFS pointer: always, since its name
can be any log's)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from reportgen.readers.base import head_text

LFS_SPEC = b"version https://git-lfs.github.com/spec/v1"
_CONSOLE_LINE = re.compile(r"^\s*(\d{4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d|\| ?epoch\b|Epoch \d|Namespace\()", re.I)


def lfs_pointer(head: bytes) -> str | None:
    """The message for a Git LFS pointer file, else None."""
    if not head.startswith(LFS_SPEC):
        return None
    size = re.search(rb"^size (\d+)", head, re.M)
    real = f" (the real file, {int(size.group(1))} bytes, was never downloaded)" if size else ""
    return (
        f"this is a Git LFS pointer{real}: run `git lfs pull` in the repository it came from, "
        "then build again"
    )


def what_it_is(path: Path, head: bytes, *, generic: bool = True) -> str | None:
    """What a file no reader accepts seems to be, with what to do; None when unknown. Without
    `generic`, only what is recognised for sure (by name or by content a log never has), not an
    empty file or text that reads like console output."""
    if path.is_dir():
        return None
    if not head:
        return "the file is empty (0 bytes): expected a training log" if generic else None
    text = head_text(head)
    if text is None:
        if b"\x00" in head:
            return None  # binary
        text = head.decode("latin-1")  # console text from a Windows code page is still text
    if path.name.lower().endswith("meta_tags.csv"):
        return (
            "this is test-tube's meta_tags.csv (a Lightning run's hparams), not a log: point "
            "`logs:` at the metrics.csv beside it, which reads it as hparams"
        )
    if path.suffix.lower() in (".yaml", ".yml") and generic:
        return (
            "this is a YAML settings file (hparams, options), not a training log: point `logs:` "
            "at the metrics file written beside it"
        )
    if " - mmengine - " in text:
        return (
            "this is an mmengine console log (text, not metrics): point `logs:` at the "
            "vis_data/scalars.json written in the same timestamped folder"
        )
    summary = _hf_results(text)
    if summary or not generic:
        return summary
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    if len(lines) >= 2 and sum(bool(_CONSOLE_LINE.match(ln)) for ln in lines) >= len(lines) // 2:
        return (
            "this looks like a training script's console output (lines of text, not a table of "
            "numbers or JSON records): log metrics with a CSV or JSON Lines writer, TensorBoard "
            "or MLflow, and point `logs:` at that file"
        )
    return None


def _hf_results(text: str) -> str | None:
    """Hugging Face `all_results.json` / `train_results.json` / `eval_results.json`: one object
    of final numbers."""
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not any(k in obj for k in ("train_runtime", "eval_runtime")):
        return None
    if any(isinstance(v, (list, dict)) for v in obj.values()):
        return None
    return (
        "this is a Hugging Face results summary (final numbers only, no curve): point `logs:` "
        "at trainer_state.json in the run's last checkpoint-N/ folder"
    )
