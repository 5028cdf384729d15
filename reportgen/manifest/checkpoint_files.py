"""Which files a run's `checkpoints:` names: a folder (every snapshot file or snapshot
sub-folder in it) or a glob, relative to the manifest, and the position a name gives. The
manifest stage uses it to check those files against the input path policy; the readers
(readers/checkpoints.py) open what it finds."""

from __future__ import annotations

import glob
import re
from pathlib import Path

from reportgen.model import CheckpointSpec

# Weight files by suffix (readers/checkpoint_formats.py OPENERS has one opener for each).
CHECKPOINT_SUFFIXES = (".npz", ".npy", ".safetensors", ".pt", ".pth", ".bin", ".ckpt", ".h5")
# Files in a checkpoint folder that are not the model's parameters.
NOT_WEIGHTS = re.compile(r"^(optimizer|scheduler|scaler|rng_state.*|training_args|trainer_state)\.")
_STEP = re.compile(r"(?:global_step|step|checkpoint|ckpt|iter(?:ation)?)[=_-]?(\d+)", re.IGNORECASE)
_EPOCH = re.compile(r"epoch[=_-]?(\d+)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


def _is_weights(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and not NOT_WEIGHTS.match(name) and (path.suffix.lower() in CHECKPOINT_SUFFIXES)


def weight_files(path: Path) -> tuple[Path, ...]:
    if path.is_file():
        return (path,) if _is_weights(path) else ()
    if not path.is_dir():
        return ()
    files = sorted(p for p in path.iterdir() if _is_weights(p))
    safe = tuple(p for p in files if p.suffix == ".safetensors")
    return safe or tuple(files)  # Hugging Face may save both: the safetensors are the model


def snapshot_paths(spec: CheckpointSpec, manifest_dir: Path) -> list[Path]:
    """The files or folders `spec.path` names, sorted; a folder that holds weight files itself
    is one snapshot, else each entry in it is one."""
    raw = spec.path
    if glob.has_magic(raw):
        found = [Path(p) for p in glob.glob(str(manifest_dir / raw))]
    else:
        base = manifest_dir / raw
        if base.is_dir() and not _weight_files_only_here(base):
            found = list(base.iterdir())
        else:
            found = [base]
    return sorted(p for p in found if weight_files(p))


def _weight_files_only_here(folder: Path) -> bool:
    """A named folder is itself one snapshot (`checkpoint-500/` holding `model.safetensors`)
    when nothing in it has a position in its name; otherwise each entry is a snapshot."""
    entries = list(folder.iterdir())
    return any(_is_weights(p) for p in entries) and all(position_from_name(p.name) == (None, None) for p in entries)


def position_from_name(name: str) -> tuple[int | None, float | None]:
    """(step, epoch) the name gives, None where it gives none."""
    stem = name.split(".")[0] if not name.startswith(".") else name
    step_m = _STEP.search(stem)
    epoch_m = _EPOCH.search(stem)
    step = int(step_m.group(1)) if step_m else None
    epoch = float(epoch_m.group(1)) if epoch_m else None
    if step is None and epoch is None:
        numbers = _NUMBER.findall(stem)
        if len(numbers) == 1:
            step = int(numbers[0])
    return step, epoch
