"""Load YAML safely while keeping where each key sits, so errors can name a line and column."""

from __future__ import annotations

import hashlib
import re
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


def _walk(node: yaml.Node, prefix: str, keys: dict[str, tuple[int, int]], values: dict[str, tuple[int, int]], path: Path) -> None:
    """Record where every key and value sits; ManifestError for a key given twice."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[tuple[str, str], yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            first = seen.setdefault((key_node.tag, key_node.value), key_node)
            if first is not key_node and key_node.tag != "tag:yaml.org,2002:merge":
                raise ManifestError(
                    f"duplicate key {key_node.value!r} (first given on line {first.start_mark.line + 1}); "
                    "keep one of them",
                    Location(path, *_mark(key_node)),
                )
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            keys[key] = _mark(key_node)
            values[key] = _mark(value_node)
            _walk(value_node, key, keys, values, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = f"{prefix}[{i}]"
            keys[key] = values[key] = _mark(item)
            _walk(item, key, keys, values, path)


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

# Limits on what a YAML file may be: far above any manifest or hparams.yaml, far below what
# would hang or crash a build (an alias "billion laughs" expands exponentially; libyaml's
# composer recurses in C, so a deep enough document kills the process instead of raising).
MAX_DEPTH = 100  # nested lists and mappings
MAX_ALIAS_VALUES = 10_000  # values that aliases add when expanded


def _parse(raw: bytes, path: Path) -> YamlDoc:
    try:
        # as reading in text mode would: universal newlines
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        raise ManifestError("not UTF-8 text: save the file as UTF-8", Location(path)) from None
    data, positions, value_positions = compose_checked(text, path, _LOADERS)
    return YamlDoc(data=data, path=path, positions=positions, value_positions=value_positions)


def compose_checked(text: str, path: Path, loaders: tuple[type | None, type]) -> tuple[Any, dict, dict]:
    """(data, key positions, value positions) of a one-document YAML text, with `loaders` = (libyaml
    loader or None, PyYAML loader). Raises ManifestError naming the file and line for invalid
    YAML and for documents past the limits above (depth, alias expansion, a value containing
    itself) or with a key given twice."""
    _check_depth(text, path, loaders)
    fast, slow = loaders
    if fast is not None:
        try:
            return _construct(fast, text, path)
        except yaml.YAMLError:
            pass  # PyYAML's parser says what is wrong, in its words
    try:
        return _construct(slow, text, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ManifestError(f"invalid YAML: {problem}", where) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"invalid YAML: {exc}", Location(path)) from None


def _construct(loader_class: type, text: str, path: Path) -> tuple[Any, dict, dict]:
    loader = loader_class(text)
    positions: dict[str, tuple[int, int]] = {}
    value_positions: dict[str, tuple[int, int]] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            return None, positions, value_positions
        if "*" in text:  # only aliases can expand or loop
            _check_graph(node, path)
        _walk(node, "", positions, value_positions, path)
        return loader.construct_document(node), positions, value_positions
    finally:
        loader.dispose()


def _check_depth(text: str, path: Path, loaders: tuple[type | None, type]) -> None:
    """Refuse nesting past MAX_DEPTH before any composer (which recurses) sees the text. Each
    level of nesting takes one of `[{-?:`, so a text with few of them needs no closer look;
    otherwise its events are read (a parser keeps its own stack: no recursion)."""
    if sum(text.count(c) for c in "[{-?:") < MAX_DEPTH:
        return
    loader = (loaders[0] or loaders[1])(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise ManifestError(
                        f"nested deeper than {MAX_DEPTH} levels; flatten the structure",
                        Location(path, mark.line + 1, mark.column + 1),
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass  # invalid YAML: composing it says where, in the usual words
    finally:
        loader.dispose()


def _check_graph(root: yaml.Node, path: Path) -> None:
    """Refuse a composed document whose aliases expand past MAX_ALIAS_VALUES values or that
    contains itself through an alias. Iterative, and each
    node is looked at once, so the check costs what composing did."""
    size: dict[int, int] = {}  # id(node) -> values it expands to, itself included
    open_nodes: set[int] = set()
    total_nodes = 0
    shared: list[yaml.Node] = []  # nodes reached again through an alias
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        if key in size:
            shared.append(node)  # an alias of a node already checked
            continue
        if key in open_nodes:
            raise ManifestError(
                "a value contains itself through an alias (&anchor ... *anchor inside it); "
                "write the value out instead",
                Location(path, *_mark(node)),
            )
        total_nodes += 1
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_children(node)))
    if size[id(root)] - total_nodes > MAX_ALIAS_VALUES:
        biggest = max(shared, key=lambda n: size[id(n)])  # its anchor is where to look
        raise ManifestError(
            f"aliases (*name) expand to {size[id(root)] - total_nodes:,} more values, past the limit "
            f"of {MAX_ALIAS_VALUES:,}; write the values out or use fewer aliases",
            Location(path, *_mark(biggest)),
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    """Dates and times as ISO text: what a page shows and JSON holds, the same in every stage."""
    return yaml.SafeLoader.construct_yaml_timestamp(loader, node).isoformat()


def _integer(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:  # past Python's limit on digits in a number's text
        raise yaml.constructor.ConstructorError(
            None, None, "a whole number with too many digits; write it as text in quotes", node.start_mark
        ) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    """Text, with "\\ud83d\\ude80"-style escaped surrogate pairs joined into the character they
    name (YAML leaves them apart, and no page or JSON file can hold them)."""
    value = yaml.SafeLoader.construct_yaml_str(loader, node)
    if value.isascii() or not _SURROGATE.search(value):
        return value
    try:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise yaml.constructor.ConstructorError(
            None, None, "text with an unpaired \\u escape (d800 to dfff); write the character itself", node.start_mark
        ) from None


def _binary(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    raise yaml.constructor.ConstructorError(
        None, None, "binary values (!!binary) are not supported; write the value as text", node.start_mark
    )


def hardened(base: type) -> type:
    """A subclass of the safe loader `base` whose dates and times load as ISO text, whose
    binary values and over-long numbers are refused with the line."""
    loader = type(f"Hardened{base.__name__}", (base,), {})
    loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
    loader.add_constructor("tag:yaml.org,2002:int", _integer)
    loader.add_constructor("tag:yaml.org,2002:binary", _binary)
    loader.add_constructor("tag:yaml.org,2002:str", _text)
    return loader


_LOADERS = (hardened(_FAST_LOADER) if _FAST_LOADER is not None else None, hardened(yaml.SafeLoader))
