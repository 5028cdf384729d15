"""A run's parameter snapshots (`checkpoints:` in its manifest): which files, at which
step/epoch, and their parameters streamed a block of rows at a time across all snapshots.

Which files: a folder (every snapshot file or snapshot sub-folder in it) or a glob, relative to
the manifest. A snapshot is one file, or a folder holding a model's weight files (Hugging Face's
`checkpoint-500/model.safetensors`, sharded files too; optimizer and RNG state are left out).

Position: from the name (`checkpoint-500`, `step_1000.npz`, `epoch=3-step=420.ckpt`,
`epoch_3.npz`; a name with one number counts steps), else from the file's own record (an npz
member or safetensors metadata `step`/`global_step`/`epoch`, a Trainer's `trainer_state.json`).
"""

from __future__ import annotations

import fnmatch
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reportgen.errors import Location, ReadError, display_path
from reportgen.manifest.checkpoint_files import position_from_name, snapshot_paths, weight_files
from reportgen.model import CheckpointSpec
from reportgen.readers.checkpoint_formats import OPENERS, Snapshot, open_snapshot

# Bytes of float64 rows held per block across all snapshots (each block is copied ~3 times).
BLOCK_BYTES = 48 * 1024**2


@dataclass(frozen=True)
class SnapshotRef:
    """One snapshot: its files, and where in training it was saved (step, epoch or both)."""

    files: tuple[Path, ...]
    step: int | None
    epoch: float | None

    @property
    def label(self) -> str:
        return display_path(self.files[0].parent if len(self.files) > 1 else self.files[0])


def _trainer_state_step(folder: Path) -> int | None:
    try:
        state = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    step = state.get("global_step") if isinstance(state, dict) else None
    return int(step) if isinstance(step, int) else None


def find_snapshots(spec: CheckpointSpec, manifest_dir: Path) -> list[SnapshotRef]:
    """Every snapshot `spec` names, ordered by its position. Raises ReadError when none is
    found, when a snapshot's position cannot be told, or when two share one."""
    where = spec.where
    refs: list[SnapshotRef] = []
    for path in snapshot_paths(spec, manifest_dir):
        files = weight_files(path)
        step, epoch = position_from_name(path.name)
        if step is None and epoch is None and path.is_dir():
            step = _trainer_state_step(path)
        if step is None and epoch is None:
            meta = _file_positions(files[0])
            step = int(meta["global_step"]) if "global_step" in meta else (int(meta["step"]) if "step" in meta else None)
            epoch = meta.get("epoch")
        if step is None and epoch is None:
            raise ReadError(
                f"cannot tell at which step this checkpoint was saved: put the step in its name "
                f"(e.g. step_500{path.suffix}, checkpoint-500) or save a 'step' value in it (checkpoints: at {where})",
                Location(path),
            )
        refs.append(SnapshotRef(files, step, epoch))
    if not refs:
        raise ReadError(
            f"checkpoints: no snapshots match {spec.path!r} (formats: {', '.join(OPENERS)})", where, key="checkpoints"
        )
    by_step = all(r.step is not None for r in refs)
    if not by_step and not all(r.epoch is not None for r in refs):
        raise ReadError(
            "checkpoints: some snapshots give only a step and others only an epoch; name them all one way",
            where,
            key="checkpoints",
        )
    refs.sort(key=lambda r: (r.step if by_step else r.epoch, r.label))
    for a, b in zip(refs, refs[1:]):
        if (a.step if by_step else a.epoch) == (b.step if by_step else b.epoch):
            unit = "step" if by_step else "epoch"
            raise ReadError(
                f"checkpoints: {a.label} and {b.label} are both at {unit} {a.step if by_step else a.epoch:g}; keep one",
                where,
                key="checkpoints",
            )
    return refs


def _file_positions(path: Path) -> dict[str, float]:
    if path.suffix.lower() not in (".npz", ".safetensors"):
        return {}
    snap = open_snapshot(path)
    try:
        return dict(snap.meta)
    finally:
        snap.close()


def chosen(names: list[str], spec: CheckpointSpec) -> list[str]:
    """Parameter names `include` (all when empty) keeps and `exclude` does not drop, sorted so
    the result never depends on the order a framework wrote them in."""
    keep = [n for n in names if not spec.include or any(fnmatch.fnmatchcase(n, p) for p in spec.include)]
    return sorted(n for n in keep if not any(fnmatch.fnmatchcase(n, p) for p in spec.exclude))


@dataclass(frozen=True)
class Layout:
    """The parameters every snapshot shares: name -> (file index within a snapshot, shape)."""

    params: dict[str, tuple[int, tuple[int, ...]]]

    @property
    def size(self) -> int:
        return sum(math.prod(shape) for _, shape in self.params.values())


def _layout_of(ref: SnapshotRef, spec: CheckpointSpec) -> Layout:
    params: dict[str, tuple[int, tuple[int, ...]]] = {}
    for i, path in enumerate(ref.files):
        snap = open_snapshot(path)
        try:
            for name in chosen(snap.names(), spec):
                shape = snap.shape(name)
                # counters (BatchNorm's num_batches_tracked, a step) are not weights
                if math.prod(shape) and np.issubdtype(snap.rows(name, 0, 1).dtype, np.floating):
                    params[name] = (i, shape)
        finally:
            snap.close()
    return Layout(dict(sorted(params.items())))


def read_layout(refs: list[SnapshotRef], spec: CheckpointSpec) -> Layout:
    """The parameters of the first snapshot, checked against the last (a model whose shape
    changed midway cannot be drawn as one trajectory). Raises ReadError naming the file."""
    first = _layout_of(refs[0], spec)
    if not first.params:
        raise ReadError(
            "checkpoints: no parameters left after include/exclude (or the snapshot holds no numbers)",
            Location(refs[0].files[0]),
        )
    last = _layout_of(refs[-1], spec)
    for name, (_, shape) in first.params.items():
        other = last.params.get(name)
        if other is None or other[1] != shape:
            found = "missing" if other is None else f"shape {list(other[1])}"
            raise ReadError(
                f"parameter {name!r} is {found} here but has shape {list(shape)} in {refs[0].label}; "
                "every snapshot of a run must hold the same parameters (exclude: the ones that change)",
                Location(refs[-1].files[0]),
            )
    return first


# Formats read a slice at a time: reopened for every block, which costs ~0.04 ms a file and lets
# go of the pages the previous block mapped. The others are loaded whole (see checkpoint_formats).
LAZY_SUFFIXES = (".npz", ".npy", ".safetensors")


def stream_blocks(refs: list[SnapshotRef], layout: Layout, block_bytes: int = BLOCK_BYTES) -> Iterator[tuple[str, np.ndarray]]:
    """(parameter name, T x n float64 block) for consecutive row ranges of every parameter, one
    row per snapshot, parameters in name order. Memory holds one block, never a model (but for
    formats that cannot be sliced: PyTorch and Keras files are held whole, one per snapshot).
    Raises ReadError naming the snapshot whose parameter is missing or shaped differently."""
    t = len(refs)
    held: dict[Path, Snapshot] = {}

    def opened(path: Path) -> Snapshot:
        if path.suffix.lower() in LAZY_SUFFIXES:
            return open_snapshot(path)
        if path not in held:
            held[path] = open_snapshot(path)
        return held[path]

    try:
        for name, (file_index, shape) in layout.params.items():
            rows = shape[0] if shape else 1
            row_size = math.prod(shape[1:]) if shape else 1
            step = max(1, block_bytes // (8 * t * max(row_size, 1)))
            for start in range(0, rows, step):
                stop = min(rows, start + step)
                block = np.empty((t, (stop - start) * row_size), dtype=np.float64)
                for i, ref in enumerate(refs):
                    path = ref.files[file_index]
                    snap = opened(path)
                    try:
                        if start == 0 and (name not in snap.names() or snap.shape(name) != shape):
                            found = "missing" if name not in snap.names() else f"shaped {list(snap.shape(name))}"
                            raise ReadError(
                                f"parameter {name!r} is {found} here but has shape {list(shape)} in "
                                f"{refs[0].label}; every snapshot of a run must hold the same parameters "
                                "(exclude: the ones that change)",
                                Location(path),
                            )
                        block[i] = snap.rows(name, start, stop)
                    finally:
                        if path not in held:
                            snap.close()
                yield name, block
    finally:
        for snap in held.values():
            snap.close()
