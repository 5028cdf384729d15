"""The manifest format, defined once: every key of a run manifest, a `kind: dataset` file,
`reportgen.yaml` and the mappings nested in them, with its YAML type, whether it is required,
the dataclass field it fills and what it means.

Everything else follows from these tables:
- the checker (manifest/validate.py) walks them: unknown keys, "did you mean", required keys,
  simple values; a `Custom` kind names the check function that reads a richer value;
- the dataclasses (RunSpec, DatasetSpec, SiteConfig in model.py) get one field per key that
  names a `field` (model.py `from_table`), with the Python type and default given here;
- docs/manifest.schema.json and the key tables in docs/manifest.md are generated from them
  (`python -m reportgen.manifest.schema`; tests/test_schema_docs.py fails when they are stale).

Imports nothing from reportgen (model.py imports this module), so enums that live elsewhere
(metric roles, log formats) are read when the schema is generated, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

TASKS = ("classification", "regression")
LOSS_KINDS = ("cross_entropy", "bce", "mse", "mae", "hinge", "kl", "other")
X_VALUES = ("step", "epoch")
SOURCES = ("real", "simulated")
KINDS = ("run", "dataset")
SWEEP_SUMMARIES = ("best", "final")
SWEEP_GOALS = ("min", "max")

REQUIRED = object()  # a dataclass field without a default


@dataclass(frozen=True)
class Text:
    """Text; a number is taken as its text unless `numbers` is False. `empty` is the message for
    text that is only blanks (None: blank text is accepted)."""

    numbers: bool = True
    empty: str | None = None
    strip: bool = False
    yaml: str = "text"  # how docs/manifest.md names it

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1} if self.empty else {"type": "string"}


@dataclass(frozen=True)
class Choice:
    values: tuple[str, ...]

    @property
    def yaml(self) -> str:
        return " \\| ".join(f"`{v}`" for v in self.values)

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.values)}


@dataclass(frozen=True)
class Words:
    """A list of words (text or numbers, kept as text, duplicates dropped), or one word."""

    what: str = "words"

    @property
    def yaml(self) -> str:
        return f"list of {self.what}"

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": ["string", "integer"]}}


@dataclass(frozen=True)
class Whole:
    minimum: int

    @property
    def yaml(self) -> str:
        return f"whole number >= {self.minimum}"

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum}


@dataclass(frozen=True)
class Custom:
    """A value read by the check function named `check` (the checks passed to validate.check_table).
    `schema` is its JSON Schema, or a zero-argument function that builds it; None when another
    key's check reads it (`class_names` is read by `class_balance`'s)."""

    check: str | None
    yaml: str
    schema_of: Any = None

    def schema(self) -> dict[str, Any]:
        return dict(self.schema_of() if callable(self.schema_of) else (self.schema_of or {}))


Kind = Text | Choice | Words | Whole | Custom


@dataclass(frozen=True)
class Key:
    """One key. `field`: the dataclass field it fills, None when a check reads it into another
    field or it is consumed by another stage from the raw document. `type`/`default`: that
    field's Python annotation and default (`factory`: a zero-argument callable's name in
    model.py, for mutable or dataclass defaults)."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    field: str | None = (
        None  # None: no field (its check, if any, returns None), or a nested table's
    )
    type: str = "Any"
    default: Any = None
    factory: str | None = None
    missing: str | None = None  # the message when a required key is absent
    schema_extra: tuple[tuple[str, Any], ...] = ()  # e.g. a description for editors only


def key(name: str, kind: Kind, doc: str, type: str, default: Any = None, **more: Any) -> Key:
    """A key whose dataclass field has its name."""
    return Key(name, kind, doc, field=name, type=type, default=default, **more)


@dataclass(frozen=True)
class Table:
    """The keys of one mapping. `unknown` is the message for a key not in it ({suggest} is the
    "did you mean" part, {names} the keys it takes)."""

    title: str
    keys: tuple[Key, ...]
    unknown: str
    description: str = ""

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    def named(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)


def and_list(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# ----------------------------------------------------------------------------- nested mappings

LOG_ENTRY = Table(
    "log entry",
    (
        Key(
            "path",
            Text(numbers=False),
            "The log file or folder, relative to the manifest.",
            required=True,
        ),
        Key(
            "format",
            Custom("log_format", "log format", lambda: {"enum": _formats()}),
            "How to read it (default auto).",
        ),
    ),
    "unknown key{suggest}; a log entry takes {names}",
)

LABEL_FILE = Table(
    "label file",
    (
        Key("path", Text(numbers=False), "A label file, relative to the manifest.", required=True),
        Key("column", Text(numbers=False), "The label column of a CSV file."),
    ),
    "unknown key{suggest}; a label file takes {names}",
)

CHECKPOINTS = Table(
    "checkpoints",
    (
        Key(
            "path",
            Text(numbers=False, empty="the checkpoint path is empty"),
            "A folder or glob of checkpoint files, relative to the manifest.",
            required=True,
        ),
        Key(
            "include",
            Words("fnmatch patterns"),
            "Only parameters whose name matches one of these (default: all).",
        ),
        Key(
            "exclude", Words("fnmatch patterns"), "Leave out parameters whose name matches one of these."
        ),
    ),
    "unknown key{suggest}; checkpoints takes {names}",
)

COMPARE = Table(
    "comparison",
    (
        Key(
            "name",
            Custom("compare_name", "text", {"type": "string"}),
            "The comparison's title; gives its page address.",
            required=True,
            missing="every comparison needs a name",
        ),
        Key(
            "runs",
            Custom("run_patterns", "list of run names or fnmatch patterns"),
            "Runs by name or pattern (case-sensitive).",
        ),
        Key("tags", Custom("run_patterns", "list of tags"), "Every run with one of these tags."),
    ),
    "unknown setting{suggest}; a comparison takes {names}",
)

SWEEP = Table(
    "sweep",
    (
        Key(
            "name",
            Text(empty="the sweep name is empty", strip=True),
            "The sweep's title; gives its page address.",
            required=True,
        ),
        Key(
            "runs",
            Words("run names or fnmatch patterns"),
            "Runs by name or pattern (case-sensitive).",
        ),
        Key("tags", Words(), "Every run with one of these tags."),
        Key(
            "objective",
            Text(numbers=False),
            "The metric the sweep optimises (default: the validation loss).",
        ),
        Key(
            "summary",
            Choice(SWEEP_SUMMARIES),
            "Which value of the objective counts (default best).",
        ),
        Key("goal", Choice(SWEEP_GOALS), "Whether lower or higher is better (default min)."),
    ),
    "unknown setting{suggest}; a sweep takes {names}",
)


def _formats() -> list[str]:
    from reportgen.model import LOG_FORMATS

    return list(LOG_FORMATS)


def _roles() -> list[str]:
    from reportgen.model import ROLES

    return list(ROLES)


def key_schema(key: Key) -> dict[str, Any]:
    """A key's JSON Schema, with its doc (links and code marks dropped) for editors' hovers."""
    out = key.kind.schema()
    if key.doc:
        out["description"] = re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", key.doc).replace("`", "")
    return out


def table_schema(table: Table) -> dict[str, Any]:
    """The JSON Schema of a mapping: its keys, which are required, nothing else allowed."""
    out: dict[str, Any] = {"type": "object"}
    if table.description:
        out["description"] = table.description
    required = [k.name for k in table.keys if k.required]
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    out["properties"] = {k.name: key_schema(k) for k in table.keys}
    return out


# ----------------------------------------------------------------------------- shared values

_LOGS_SCHEMA = {
    "oneOf": [
        {"type": "string"},
        {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/log"}},
    ],
}
_ANALYSIS = Custom("analysis", "mapping threshold -> number", {"$ref": "#/$defs/analysis"})
_BALANCE_YAML = "dataset name, counts file, or mapping split -> label file / `{path, column}` / `{class: count}`"
_CLASS_NAMES = Custom(
    None, "list (class 0, 1, ...) or mapping class -> name", {"$ref": "#/$defs/class_names"}
)


def _checkpoints_schema() -> dict[str, Any]:
    return {
        "description": "A folder or glob (relative to this manifest), or {path, include, exclude}.",
        "oneOf": [{"type": "string"}, table_schema(CHECKPOINTS)],
    }


# ----------------------------------------------------------------------------- top-level tables

# Keys are checked in this order, so problems are reported in it.
RUN = Table(
    "run manifest",
    (
        key(
            "name",
            Text(empty="the run name is empty", strip=True),
            "Unique run name. Its slug (lower-case letters, digits and dashes) is the page address `runs/<slug>/`; two names with the same slug are an error.",
            "str",
            REQUIRED,
            required=True,
        ),
        key("title", Text(), "Display title (default: `name`).", "str | None"),
        key("group", Text(), "Runs of one config with different seeds.", "str | None"),
        key(
            "notes",
            Text(numbers=False, yaml="Markdown"),
            "Shown on the run page, sanitised (no scripts, no event handlers, no `javascript:` links).",
            "str",
            "",
        ),
        key("task", Choice(TASKS), "", "str | None"),
        key(
            "loss",
            Choice(LOSS_KINDS),
            "Sets the chance-level baseline for underfitting (with `num_classes` for cross-entropy).",
            "str | None",
        ),
        key(
            "x",
            Choice(X_VALUES),
            "What the x axis counts (default: epoch when every log counts epochs, else step).",
            "str | None",
        ),
        key(
            "source",
            Choice(SOURCES),
            "How the logs were produced; shown on the run page.",
            "str | None",
        ),
        key(
            "tags",
            Words(),
            "Shown on the index; used for filtering and comparisons.",
            "tuple[str, ...]",
            (),
        ),
        key("num_classes", Whole(2), "", "int | None"),
        key(
            "metrics",
            Custom(
                "metrics",
                "mapping role -> logged series name",
                lambda: {
                    "type": "object",
                    "propertyNames": {"enum": _roles()},
                    "additionalProperties": {"type": "string"},
                },
            ),
            "Overrides role inference (see [metric roles](metric-roles.md)).",
            "dict[str, str]",
            factory="dict",
        ),
        key(
            "hparams",
            Custom("hparams", "mapping", {"type": "object"}),
            "Shown as a table; overrides hparams read from the logs (e.g. Lightning's `hparams.yaml`).",
            "dict[str, Any]",
            factory="dict",
        ),
        key(
            "analysis",
            _ANALYSIS,
            "Per-run thresholds, over the site defaults (see [analysis](analysis.md)).",
            "AnalysisConfig",
            factory="AnalysisConfig",
        ),
        Key(
            "kind",
            Custom("run_kind", "`run`", {"enum": ["run"]}),
            "Optional; dataset files say `kind: dataset`.",
        ),
        key(
            "logs",
            Custom("logs", "path, or list of paths / `{path, format}`", _LOGS_SCHEMA),
            "Log files or folders, relative to the manifest. Several logs are merged in order; a later log that starts at an earlier step counts as a resumed run.",
            "tuple[LogSpec, ...]",
            REQUIRED,
            required=True,
        ),
        Key(
            "class_balance",
            Custom("class_balance", _BALANCE_YAML, {"$ref": "#/$defs/class_balance"}),
            "Class-balance table, chart and flags on the run page (see below).",
            field="class_balance",
            type="BalanceSpec | None",
        ),
        Key("class_names", _CLASS_NAMES, "Display names for the classes of `class_balance`."),
        # consumed by the inside-the-model views (readers/checkpoints*.py)
        key(
            "checkpoints",
            Custom(
                "checkpoints", "folder or glob, or `{path, include, exclude}`", _checkpoints_schema
            ),
            "Model checkpoints for the inside-the-model views (see below).",
            "CheckpointSpec | None",
        ),
    ),
    "unknown key{suggest}; see docs/manifest.md",
    "One training run: where its logs are and how to read them. See docs/manifest.md.",
)

DATASET = Table(
    "dataset manifest",
    (
        Key(
            "kind",
            Custom(None, "`dataset`", {"const": "dataset"}),
            "Says this file describes a dataset.",
            required=True,
        ),
        key(
            "name",
            Text(strip=True),
            "Unique dataset name; runs refer to it in `class_balance:`.",
            "str",
            REQUIRED,
            required=True,
        ),
        key("title", Text(), "Display title (default: `name`).", "str | None"),
        key(
            "notes",
            Text(numbers=False, yaml="Markdown"),
            "Shown on the dataset page, sanitised.",
            "str",
            "",
        ),
        key(
            "analysis",
            _ANALYSIS,
            "Thresholds for the dataset's flags.",
            "AnalysisConfig",
            factory="AnalysisConfig",
        ),
        Key(
            "class_balance",
            Custom(
                "dataset_balance",
                "mapping split -> label file / `{path, column}` / `{class: count}`, or a counts file",
                {"$ref": "#/$defs/class_balance"},
            ),
            "The dataset's label files or counts per split.",
            required=True,
            field="balance",
            type="BalanceSpec",
            default=REQUIRED,
            missing="a dataset manifest needs class_balance: (label files or counts per split)",
        ),
        Key("class_names", _CLASS_NAMES, "Display names for the classes."),
    ),
    "unknown key for a dataset{suggest}; see docs/manifest.md",
)

SITE = Table(
    "site config",
    (
        key(
            "title",
            Custom("site_title", "text", {"type": "string"}),
            'Site title (default "Training report").',
            "str",
            "Training report",
        ),
        key(
            "analysis",
            Custom("site_analysis", _ANALYSIS.yaml, _ANALYSIS.schema_of),
            "Default thresholds for every run (a run's own `analysis:` wins).",
            "AnalysisConfig",
            factory="AnalysisConfig",
        ),
        Key(
            "smoothing",
            Custom(
                None, "number, 0 <= w < 1", {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
            ),
            "Default EMA smoothing weight (default 0.6); the same as `analysis: {smoothing: w}`.",
        ),
        key(
            "compare",
            Custom(
                "compare",
                "list of `{name, runs, tags}`",
                {"type": "array", "items": table_schema(COMPARE)},
            ),
            "Declared comparisons (see below).",
            "tuple[CompareSpec, ...]",
            (),
        ),
        key(
            "allow_outside",
            Custom(
                "allow_outside",
                "folder or list of folders",
                {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            ),
            "Folders (relative to the runs folder) whose files manifests may name besides the runs folder's own; see [What a manifest may read](#what-a-manifest-may-read).",
            "tuple[Path, ...]",
            (),
        ),
        # consumed by the sweep pages (analysis/sweeps.py)
        key(
            "sweeps",
            Custom(
                "sweeps",
                "list of `{name, runs, tags, objective, summary, goal}`",
                {"type": "array", "items": table_schema(SWEEP)},
            ),
            "Declared sweeps (see below).",
            "tuple[SweepSpec, ...]",
            (),
        ),
    ),
    "unknown setting{suggest}; see docs/manifest.md",
    "The optional site config, DIR/reportgen.yaml. See docs/manifest.md.",
)


# ----------------------------------------------------------------------------- value shapes


def schema_defs() -> dict[str, Any]:
    """The JSON Schema `$defs` that keys above refer to (`#/$defs/<name>`)."""
    from dataclasses import fields

    from reportgen.model import AnalysisConfig

    word_or_number = {"type": ["string", "integer"]}
    return {
        "log": {"oneOf": [{"type": "string"}, table_schema(LOG_ENTRY)]},
        "analysis": {
            "type": "object",
            "description": "Thresholds; defaults and meaning in docs/analysis.md.",
            "propertyNames": {"enum": [f.name for f in fields(AnalysisConfig)]},
            "additionalProperties": {"type": "number"},
        },
        "class_balance": {
            "description": "A dataset name (a YAML file with kind: dataset), a counts file, or split -> label file / {path, column} / inline {class: count}.",
            "oneOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": {
                        "oneOf": [
                            {"type": "string"},
                            table_schema(LABEL_FILE),
                            {
                                "type": "object",
                                "additionalProperties": {"type": "integer", "minimum": 0},
                            },
                        ]
                    },
                },
            ],
        },
        "class_names": {
            "oneOf": [
                {"type": "array", "items": word_or_number},
                {"type": "object", "additionalProperties": word_or_number},
            ]
        },
    }
