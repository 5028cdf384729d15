"""One reader per parameter-snapshot format, all behind one small interface (`Snapshot`):
parameter names, their shapes, and a block of rows of one parameter as float64. Nothing is read
until a block is asked for, so a model far larger than memory is streamed a slice at a time.

Formats: `.npz` (members of an uncompressed archive are memory-mapped where they sit in the zip;
a compressed member is read whole, one member at a time), `.npy`, `.safetensors` (the
safetensors package's numpy API, no torch), PyTorch `.pt`/`.bin`/`.ckpt` (only when torch is
installed), Keras `.weights.h5` (only when h5py is installed).
"""

from __future__ import annotations

import importlib
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import Location, ReadError

# Keys that hold the position of a snapshot rather than a parameter (npz members, metadata).
POSITION_KEYS = ("global_step", "step", "epoch")


class Snapshot(ABC):
    """Parameters of one snapshot file. `names` in file order; `shape(name)`; `rows(name,
    start, stop)` the rows [start, stop) of the parameter (first axis; a 0-d value is one row)
    flattened, as stored (float16/32/64 or integers); `meta` the position keys the file itself records (step, epoch)."""

    def __init__(self, path: Path):
        self.path = path
        self.meta: dict[str, float] = {}

    @abstractmethod
    def names(self) -> list[str]:
        """Parameter names, in file order."""

    @abstractmethod
    def shape(self, name: str) -> tuple[int, ...]:
        """A parameter's shape."""

    @abstractmethod
    def rows(self, name: str, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop) of a parameter, flattened, in the file's numeric type."""

    def close(self) -> None:
        """Let go of the file (and the pages it mapped)."""
        return None  # a format that holds nothing open has nothing to let go of


def _float_rows(array: Any, start: int, stop: int) -> np.ndarray:
    """Rows flattened, in the file's own numeric type: the caller converts while copying them
    into its float64 block, so no float64 temporary is made per snapshot."""
    part = np.asarray(array).reshape(1, -1) if np.ndim(array) == 0 else array[start:stop]
    part = np.asarray(part).reshape(-1)
    if not (np.issubdtype(part.dtype, np.floating) or np.issubdtype(part.dtype, np.integer)):
        raise ValueError(f"holds {part.dtype} values, not numbers")
    return part


class NpySnapshot(Snapshot):
    """A single `.npy` array: one parameter named after the file."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.array = np.load(path, mmap_mode="r", allow_pickle=False)
        self.name = path.stem

    def names(self) -> list[str]:
        return [self.name]

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def rows(self, name: str, start: int, stop: int) -> np.ndarray:
        return _float_rows(self.array, start, stop)

    def close(self) -> None:
        self.array = None  # type: ignore[assignment]


class NpzSnapshot(Snapshot):
    """`np.savez` archives. A stored (uncompressed) member is a plain `.npy` inside the zip, so
    it is memory-mapped in place; a compressed member (np.savez_compressed) is read whole."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.zip = zipfile.ZipFile(path)
        self.members = {info.filename[:-4]: info for info in self.zip.infolist() if info.filename.endswith(".npy")}
        for key in POSITION_KEYS:
            if key in self.members:
                value = np.load(self.zip.open(self.members[key]), allow_pickle=False)
                if value.size == 1 and np.issubdtype(value.dtype, np.number):
                    self.meta[key] = float(value.reshape(()))
        self.cache: dict[str, np.ndarray] = {}

    def names(self) -> list[str]:
        return [n for n in self.members if n not in POSITION_KEYS]

    def _array(self, name: str) -> np.ndarray:
        if name not in self.cache:
            self.cache.clear()  # one member at a time
            self.cache[name] = self._mapped(self.members[name])
        return self.cache[name]

    def _mapped(self, info: zipfile.ZipInfo) -> np.ndarray:
        if info.compress_type != zipfile.ZIP_STORED:
            return np.load(self.zip.open(info), allow_pickle=False)
        with open(self.path, "rb") as fh:
            fh.seek(info.header_offset + 26)
            name_len, extra_len = np.frombuffer(fh.read(4), dtype="<u2")
            fh.seek(info.header_offset + 30 + int(name_len) + int(extra_len))
            version = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            offset = fh.tell()
        if dtype.hasobject:
            raise ReadError(f"parameter {info.filename[:-4]!r} holds Python objects, not numbers", Location(self.path))
        if int(np.prod(shape)) == 0:
            return np.zeros(shape, dtype=dtype)
        return np.memmap(self.path, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C")

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._array(name).shape)

    def rows(self, name: str, start: int, stop: int) -> np.ndarray:
        return _float_rows(self._array(name), start, stop)

    def close(self) -> None:
        self.cache.clear()
        self.zip.close()


class SafetensorsSnapshot(Snapshot):
    """`.safetensors` through the package's numpy API: `get_slice` reads only the rows asked for."""

    def __init__(self, path: Path):
        super().__init__(path)
        from safetensors import safe_open

        self.file = safe_open(str(path), framework="np")
        self.handle = self.file.__enter__()
        for key, value in (self.handle.metadata() or {}).items():
            if key in POSITION_KEYS:
                try:
                    self.meta[key] = float(value)
                except ValueError:
                    pass
        self.slices: dict[str, Any] = {}

    def names(self) -> list[str]:
        return list(self.handle.keys())

    def _slice(self, name: str):
        if name not in self.slices:
            self.slices = {name: self.handle.get_slice(name)}
        return self.slices[name]

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._slice(name).get_shape())

    def rows(self, name: str, start: int, stop: int) -> np.ndarray:
        if not self.shape(name):
            return _float_rows(self.handle.get_tensor(name), 0, 1)
        return _float_rows(self._slice(name)[start:stop], 0, stop - start)

    def close(self) -> None:
        self.slices = {}
        self.file.__exit__(None, None, None)


class DictSnapshot(Snapshot):
    """Parameters already in memory (PyTorch and Keras files cannot be read a slice at a time)."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray], meta: dict[str, float]):
        super().__init__(path)
        self.arrays = arrays
        self.meta = meta

    def names(self) -> list[str]:
        return list(self.arrays)

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.arrays[name].shape)

    def rows(self, name: str, start: int, stop: int) -> np.ndarray:
        return _float_rows(self.arrays[name], start, stop)

    def close(self) -> None:
        self.arrays = {}


def _need(module: str, extra: str, path: Path):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ReadError(
            f"reading {path.suffix} checkpoints needs {module}, which is not installed; "
            f"pip install 'reportgen[{extra}]' (or {module}), or save the snapshots as .safetensors or .npz",
            Location(path),
        ) from None


def _torch_snapshot(path: Path) -> Snapshot:
    torch = _need("torch", "torch", path)
    # weights_only: a checkpoint is user data, never code to run
    state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    meta = {k: float(state[k]) for k in POSITION_KEYS if isinstance(state, dict) and isinstance(state.get(k), (int, float))}
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):  # Lightning .ckpt
        state = state["state_dict"]
    arrays = {k: v.detach().float().numpy() for k, v in state.items() if hasattr(v, "detach") and v.is_floating_point()}
    return DictSnapshot(path, arrays, meta)


def _keras_snapshot(path: Path) -> Snapshot:
    h5py = _need("h5py", "keras", path)
    arrays: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as fh:
        def visit(name: str, item: Any) -> None:
            if isinstance(item, h5py.Dataset) and np.issubdtype(item.dtype, np.floating):
                arrays[name] = item[()]

        fh.visititems(visit)
    return DictSnapshot(path, arrays, {})


OPENERS: dict[str, Callable[[Path], Snapshot]] = {
    ".npz": NpzSnapshot,
    ".npy": NpySnapshot,
    ".safetensors": SafetensorsSnapshot,
    ".pt": _torch_snapshot,
    ".pth": _torch_snapshot,
    ".bin": _torch_snapshot,
    ".ckpt": _torch_snapshot,
    ".h5": _keras_snapshot,
}


def open_snapshot(path: Path) -> Snapshot:
    """The snapshot in `path` (its format from the suffix). Raises ReadError for an unknown
    format, a missing optional library, or a file that is not what its name says."""
    opener = OPENERS.get(path.suffix.lower())
    if opener is None:
        raise ReadError(f"not a known checkpoint format ({', '.join(OPENERS)})", Location(path))
    try:
        return opener(path)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - any library's complaint about a broken file
        raise ReadError(f"cannot read this checkpoint ({type(exc).__name__}: {exc})", Location(path)) from None
