"""hparams files that sit beside logs (Lightning's hparams.yaml, test-tube's meta_tags.csv).

They are metadata: a broken or odd one must never stop the log beside it from being read, so
these helpers return what they could read plus a warning instead of raising.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from reportgen.errors import display_path


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns Python-object tags (Lightning dumps Namespaces, dtypes, ...) into
    their tag text instead of failing; nothing is ever constructed from them."""


def _unknown(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    return f"<{node.tag}>"


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown)
_Loader.add_multi_constructor("!", _unknown)


def read_hparams_yaml(path: Path) -> tuple[dict[str, Any], str | None]:
    """(hparams, warning): {} and None when the file does not exist."""
    if not path.is_file():
        return {}, None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # a SafeLoader subclass
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return {}, f"{display_path(path)}: hparams not read ({type(exc).__name__})"
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return {}, f"{display_path(path)}: hparams not read (expected a mapping)"
    return {str(k): v for k, v in data.items()}, None


def read_meta_tags_csv(path: Path) -> tuple[dict[str, Any], str | None]:
    """test-tube's `key,value` hparams CSV (legacy Lightning), values parsed as YAML scalars."""
    if not path.is_file():
        return {}, None
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        return {}, f"{display_path(path)}: hparams not read ({type(exc).__name__})"
    out: dict[str, Any] = {}
    for row in rows[1:]:
        if len(row) >= 2 and row[0]:
            try:
                out[row[0]] = yaml.safe_load(row[1]) if row[1] else ""
            except yaml.YAMLError:
                out[row[0]] = row[1]
    return out, None
