"""Reading class labels and class-count files for the class-balance tables (the I/O half of
reportgen.analysis.class_balance).

- `read_labels(path)`: one example per entry -> {class: count}. CSV/TSV with a label column,
  `.npy` (1-D labels, or 2-D one-hot / multi-hot rows), or text with one label per line.
- `read_class_tables(path)`: files that already hold counts -> {table: ClassCounts}. CSV
  `class,count` (long), `class,train,val,...` (one column per split), `Labels,0,1,..` rows
  (wide: one row per split); JSON `{class: count}`, `{split: {class: count}}`, or nested
  exports such as COCO statistics (`splits/<split>/category_counts` with `categories` names).
  A JSON file with several unrelated label heads gives one table per head.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reportgen.errors import Location, ReadError

LABEL_COLUMNS = (
    "label",
    "labels",
    "class",
    "class_name",
    "classname",
    "class_id",
    "target",
    "y",
    "category",
    "category_id",
)
COUNT_KEYS = (
    "category_counts",
    "class_counts",
    "label_counts",
    "counts",
    "distribution",
    "class_distribution",
)
NAME_KEYS = ("categories", "class_names", "names", "id2label", "labels")
SPLIT_RE = re.compile(
    r"(train|training|val|valid|validation|dev|test|testing|eval|holdout)", re.IGNORECASE
)
# Rows/keys that are totals or dataset metadata, not classes.
TOTAL_NAMES = ("", "total", "sum", "all", "overall")
META_KEYS = {
    "images",
    "annotations",
    "total",
    "total_images",
    "total_annotations",
    "count",
    "n",
    "num_images",
    "num_samples",
}


@dataclass(frozen=True)
class ClassCounts:
    counts: dict[str, dict[str, int]]  # split -> class -> count ("all" for a single split)
    class_names: dict[str, str] = field(default_factory=dict)  # class key -> display name
    layout: str = ""  # which layout was recognised, for messages and tests


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read label file: {exc.strerror}", Location(path)) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ReadError(f"label file is not UTF-8 text (byte {exc.start})", Location(path)) from exc


def _norm(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower())


def _count(value: str, path: Path, line: int) -> int:
    try:
        v = float(value)
    except ValueError:
        raise ReadError(f"expected a class count, got {value!r}", Location(path, line)) from None
    if not v.is_integer() or v < 0:
        raise ReadError(f"expected a whole count >= 0, got {value!r}", Location(path, line))
    return int(v)


def _rows(text: str, path: Path) -> list[list[str]]:
    sample = text[:4096]
    delim = "\t" if "\t" in sample.split("\n", 1)[0] else ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim)]
    return [[c.strip() for c in r] for r in rows]


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


# ---- per-example labels -------------------------------------------------------------------


def read_labels(path: Path, column: str | None = None) -> dict[str, int]:
    """Count labels in a file of one label per example: {class: count}, keys as strings.

    Raises ReadError (with the file, and line where known) when the file cannot be read, has no
    label column, or holds no labels.
    """
    suffix = path.suffix.lower()
    if suffix == ".npy":
        counts = _npy_labels(path)
    elif suffix in (".csv", ".tsv"):
        counts = _csv_labels(path, column)
    else:
        counts = {}
        for line in _text(path).splitlines():
            label = line.strip()
            if label:
                counts[label] = counts.get(label, 0) + 1
    if not counts:
        raise ReadError("no labels found in the file", Location(path))
    return dict(sorted(counts.items()))


def _npy_labels(path: Path) -> dict[str, int]:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ReadError(f"not a readable .npy array of labels ({exc})", Location(path)) from exc
    if arr.ndim == 2 and arr.shape[1] >= 2 and np.issubdtype(arr.dtype, np.number):
        # one-hot / multi-hot rows: count per column
        sums = np.asarray(arr != 0, dtype=np.int64).sum(axis=0)
        return {str(i): int(c) for i, c in enumerate(sums.tolist())}
    if arr.ndim != 1 and not (arr.ndim == 2 and arr.shape[1] == 1):
        raise ReadError(
            f"expected a 1-D array of labels (or 2-D one-hot rows), got shape {arr.shape}",
            Location(path),
        )
    flat = arr.reshape(-1)
    if np.issubdtype(flat.dtype, np.floating):
        if not np.all(np.isfinite(flat)) or not np.all(flat == np.round(flat)):
            raise ReadError(
                "labels must be whole numbers or strings, got fractional values", Location(path)
            )
        flat = flat.astype(np.int64)
    values, counts = np.unique(flat, return_counts=True)
    return {str(v.item() if hasattr(v, "item") else v): int(c) for v, c in zip(values, counts)}


def _csv_labels(path: Path, column: str | None) -> dict[str, int]:
    rows = [r for r in _rows(_text(path), path) if any(r)]
    if not rows:
        raise ReadError("the CSV file is empty", Location(path))
    header = rows[0]
    norm = [_norm(h) for h in header]
    if column is not None:
        if _norm(column) not in norm:
            raise ReadError(
                f"no column {column!r}; the columns are {', '.join(header)}", Location(path, 1)
            )
        col = norm.index(_norm(column))
    else:
        found = [c for c in LABEL_COLUMNS if c in norm]
        if found:
            col = norm.index(found[0])
        elif len(header) == 1:
            col = 0
        else:
            raise ReadError(
                f"cannot tell which column holds the labels (columns: {', '.join(header)}); "
                "name it with a `label` header or set the label column in the manifest",
                Location(path, 1),
            )
    counts: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if col >= len(row):
            raise ReadError(f"row has no {header[col]!r} cell", Location(path, line))
        label = row[col]
        if label:
            counts[label] = counts.get(label, 0) + 1
    return counts


# ---- count tables ---------------------------------------------------------------------------


def read_class_tables(path: Path) -> dict[str, ClassCounts]:
    """Class counts from a counts file: {table name: ClassCounts}; a single table is named "".

    Raises ReadError naming the file (and line) when the layout is not recognised.
    """
    text = _text(path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReadError(
                f"invalid JSON: {exc.msg}", Location(path, exc.lineno, exc.colno)
            ) from exc
        return _json_tables(data, path)
    return {"": _csv_counts(text, path)}


def _csv_counts(text: str, path: Path) -> ClassCounts:
    rows = [(i, r) for i, r in enumerate(_rows(text, path), start=1) if any(r)]
    if len(rows) < 2:
        raise ReadError("expected a header row and at least one row of counts", Location(path))
    (hline, header), body = rows[0], rows[1:]
    # Wide: `Labels,0,1,2,...` then one row of counts per split.
    if len(header) > 2 and all(re.fullmatch(r"-?\d+", h) for h in header[1:]):
        counts: dict[str, dict[str, int]] = {}
        for line, row in body:
            split = row[0] if len(body) > 1 else "all"
            counts[split] = {
                header[j]: _count(row[j], path, line) for j in range(1, len(header)) if j < len(row)
            }
        return ClassCounts(counts, layout="wide")
    if len(header) < 2:
        raise ReadError("expected at least two columns: a class and a count", Location(path, hline))
    splits = header[1:]
    single = len(splits) == 1
    counts = {("all" if single else s): {} for s in splits}
    for line, row in body:
        name = row[0]
        if _norm(name) in TOTAL_NAMES:
            continue  # a totals row (often with an empty class name) is not a class
        for j, s in enumerate(splits, start=1):
            key = "all" if single else s
            cell = row[j] if j < len(row) else ""
            if cell == "":
                continue
            counts[key][name] = counts[key].get(name, 0) + _count(cell, path, line)
    return ClassCounts(counts, layout="long" if single else "long_per_split")


def _is_count_dict(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and bool(node)
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in node.values())
        and not set(map(str, node)) <= META_KEYS
    )


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict, dict | None]]:
    """(path, count dict, its parent) for every dict of class counts in a JSON tree."""
    if not isinstance(node, dict):
        return
    for key in node:
        child = node[key]
        if _is_count_dict(child):
            yield path + (str(key),), child, node
        elif isinstance(child, dict):
            yield from _walk(child, path + (str(key),))


def _names_near(parent: dict | None) -> dict[str, str]:
    if parent is None:
        return {}
    for key in NAME_KEYS:
        v = parent.get(key)
        if isinstance(v, dict) and v and all(isinstance(x, str) for x in v.values()):
            return {str(k): x for k, x in v.items()}
    return {}


def _json_tables(data: Any, path: Path) -> dict[str, ClassCounts]:
    if _is_count_dict(data):
        return {"": ClassCounts({"all": {str(k): v for k, v in data.items()}}, layout="json_flat")}
    found = list(_walk(data, ()))
    if not found:
        raise ReadError(
            "no class counts found: expected {class: count}, {split: {class: count}} or "
            "split entries with category_counts",
            Location(path),
        )
    tables: dict[str, dict[str, dict[str, int]]] = {}
    names: dict[str, dict[str, str]] = {}
    for p, counts, parent in found:
        p_list = list(p)
        if p_list and _norm(p_list[-1]) in COUNT_KEYS and len(p_list) > 1:
            p_list.pop()  # .../train2017/category_counts -> .../train2017
        if p_list and SPLIT_RE.search(p_list[-1]):
            split = p_list.pop()
            table = "/".join(x for x in p_list if _norm(x) != "splits")
        else:
            split, table = "all", "/".join(p_list)
        tables.setdefault(table, {})[split] = {str(k): v for k, v in counts.items()}
        nm = _names_near(parent)
        if nm:
            names.setdefault(table, {}).update(nm)
    if len(tables) == 1:
        ((only, counts),) = tables.items()
        return {"": ClassCounts(counts, names.get(only, {}), layout="json_nested")}
    return {
        t: ClassCounts(c, names.get(t, {}), layout="json_nested") for t, c in sorted(tables.items())
    }
