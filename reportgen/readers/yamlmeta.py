"""hparams files that sit beside logs (Lightning's hparams.yaml, test-tube's meta_tags.csv).

They are metadata: a broken or odd one must never stop the log beside it from being read, so
these helpers return what they could read plus a warning instead of raising.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from reportgen.errors import ManifestError, display_path
from reportgen.manifest.yaml_positions import compose_checked, hardened


def _unknown(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    return f"<{node.tag}>"


def _tolerant(base: type) -> type:
    """The manifests' hardened safe loader (limits, dates as ISO text) that also turns
    Python-object tags (Lightning dumps Namespaces, dtypes, ...) into their tag text instead of
    failing; nothing is ever constructed from them."""
    loader = type(f"Tolerant{base.__name__}", (hardened(base),), {})
    loader.add_multi_constructor("tag:yaml.org,2002:python/", _unknown)
    loader.add_multi_constructor("!", _unknown)
    return loader


_FAST = getattr(yaml, "CSafeLoader", None)
_LOADERS = (_tolerant(_FAST) if _FAST is not None else None, _tolerant(yaml.SafeLoader))


def read_metadata_yaml(path: Path) -> Any:
    """A metadata YAML file (MLflow's meta.yaml) through the hardened loader; raises
    ManifestError past its limits, OSError/UnicodeDecodeError when unreadable."""
    return compose_checked(path.read_text(encoding="utf-8"), path, _LOADERS)[0]


def read_hparams_yaml(path: Path) -> tuple[dict[str, Any], str | None]:
    """(hparams, warning): {} and None when the file does not exist."""
    if not path.is_file():
        return {}, None
    try:
        data = compose_checked(path.read_text(encoding="utf-8"), path, _LOADERS)[0]
    except ManifestError as exc:
        return {}, f"{exc.format_message()} (hparams not read)"
    except (OSError, UnicodeDecodeError) as exc:
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
