"""Load YAML safely while keeping where each key sits, so errors can name a line and column."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reportgen.errors import Location, ManifestError


@dataclass(frozen=True)
class YamlDoc:
    data: Any
    path: Path
    # dotted key path ("logs[0].path") -> (line, column) of the key, both 1-based
    positions: dict[str, tuple[int, int]]
    # the same paths -> where their value starts
    value_positions: dict[str, tuple[int, int]]

    def where(self, key: str | None = None, *, value: bool = True) -> Location:
        """Location of `key`'s value (or of the key itself with value=False), falling back to the
        nearest parent that has one, else the file itself."""
        table = self.value_positions if value else self.positions
        probe = key
        while probe:
            if probe in table:
                line, col = table[probe]
                return Location(self.path, line, col)
            probe = _parent(probe)
        return Location(self.path, 1 if key is None else None)


def _parent(key: str) -> str:
    if key.endswith("]"):
        return key[: key.rindex("[")]
    if "." in key:
        return key[: key.rindex(".")]
    return ""


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _walk(node: yaml.Node, prefix: str, keys: dict[str, tuple[int, int]], values: dict[str, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            keys[key] = _mark(key_node)
            values[key] = _mark(value_node)
            _walk(value_node, key, keys, values)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = f"{prefix}[{i}]"
            keys[key] = values[key] = _mark(item)
            _walk(item, key, keys, values)


class ParsedYaml:
    """Parsed documents by the SHA-256 of their bytes, so a rebuild parses only the files that
    changed (parsing is most of the time spent reading a thousand manifests). `known` is what an
    earlier build parsed: digest -> (data, key positions, value positions); `used` collects this
    build's, to be kept for the next. Only documents of plain values (mappings, lists, text,
    numbers, booleans, nothing) are kept: they are stored where only such values may be loaded."""

    def __init__(self, known: dict[str, tuple] | None = None):
        self.known = known or {}
        self.used: dict[str, tuple] = {}


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def load_yaml(path: Path, parsed: ParsedYaml | None = None) -> YamlDoc:
    """Parse one YAML document with the safe loader; ManifestError with line/column on failure.
    With `parsed`, a document parsed before (same bytes) is not parsed again."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"cannot read file: {exc.strerror}", Location(path)) from exc
    digest = hashlib.sha256(raw).hexdigest() if parsed is not None else ""
    if parsed is not None and digest in parsed.known:
        data, positions, value_positions = parsed.used[digest] = parsed.known[digest]
        return YamlDoc(data=data, path=path, positions=positions, value_positions=value_positions)
    doc = _parse(raw, path)
    if parsed is not None and _plain(doc.data):
        parsed.used[digest] = (doc.data, doc.positions, doc.value_positions)
    return doc


# libyaml's parser when PyYAML was built with it: the same documents and marks, in a fraction of
# the time (a 1,000-run sweep's manifests: 0.5 -> 0.15 s). A document it refuses is parsed
# again by PyYAML's own parser, whose messages are the ones users get.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _parse(raw: bytes, path: Path) -> YamlDoc:
    try:
        # as reading in text mode would: universal newlines
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        raise ManifestError("not UTF-8 text: save the file as UTF-8", Location(path)) from None
    if _FAST_LOADER is not None:
        try:
            return _parse_with(_FAST_LOADER, text, path)
        except yaml.YAMLError:
            pass  # PyYAML's parser says what is wrong, in its words
    try:
        return _parse_with(yaml.SafeLoader, text, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ManifestError(f"invalid YAML: {problem}", where) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"invalid YAML: {exc}", Location(path)) from None


def _parse_with(loader_class: type, text: str, path: Path) -> YamlDoc:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    positions: dict[str, tuple[int, int]] = {}
    value_positions: dict[str, tuple[int, int]] = {}
    if node is not None:
        _walk(node, "", positions, value_positions)
    return YamlDoc(data=data, path=path, positions=positions, value_positions=value_positions)
