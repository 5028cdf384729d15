"""Find and validate run manifests (the site config, `reportgen.yaml`, is manifest/site_config.py).

Which YAML files are manifests: every `*.yaml`/`*.yml` under the runs folder (sorted walk) whose
top level is a mapping with a `logs:` key (a run), or with `kind: dataset` (a dataset described
once and shared by runs). Files frameworks write beside their logs are left
alone: Lightning's `hparams.yaml`, MLflow's `meta.yaml`, YOLO's `opt.yaml`/`hyp.yaml`, and
anything inside `mlruns/`, `lightning_logs/`, `wandb/`, `.hydra/` or a hidden folder. A YAML file
that has no `logs:` but looks like a manifest (a `name:` plus another manifest key, or a key
close to `logs`) is reported as an error, so a misspelled manifest is never skipped silently.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.errors import Location, ManifestError, ReportgenError, display_path
from reportgen.manifest.input_paths import InputRoots, Refused, resolve_input
from reportgen.manifest.site_config import SITE_CONFIG, load_site_config
from reportgen.manifest.slug import slugify
from reportgen.manifest.values import Checker, check_analysis, describe, suggest
from reportgen.manifest.yaml_positions import ParsedYaml, YamlDoc, load_yaml
from reportgen.model import LOG_FORMATS as FORMATS
from reportgen.model import (
    LOSS_KINDS,
    TASKS,
    AnalysisConfig,
    BalanceSource,
    BalanceSpec,
    DatasetSpec,
    LogSpec,
    RunSpec,
    SiteConfig,
)

FRAMEWORK_YAML = {"hparams.yaml", "meta.yaml", "opt.yaml", "hyp.yaml", "args.yaml", "meta_tags.yaml"}
FRAMEWORK_DIRS = {"mlruns", "lightning_logs", "wandb", ".hydra", "__pycache__", "node_modules"}

RUN_KEYS = (
    "name", "title", "group", "tags", "notes", "task", "loss", "num_classes", "logs", "metrics",
    "x", "hparams", "analysis", "source", "class_balance", "class_names", "kind",
)
DATASET_KEYS = ("kind", "name", "title", "notes", "class_balance", "class_names", "analysis")
KINDS = ("run", "dataset")
X_VALUES = ("step", "epoch")
SOURCES = ("real", "simulated")


@dataclass(frozen=True)
class LoadResult:
    runs: list[RunSpec]
    site: SiteConfig
    problems: list[ReportgenError]
    skipped: list[Path]  # framework YAML left alone, for -v output
    datasets: list[DatasetSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a folder that could not be read


def find_yaml_files(runs_dir: Path, unreadable: list[str] | None = None) -> tuple[list[Path], list[Path]]:
    """(candidate manifests, framework files skipped), both sorted. Symlinked folders are not
    followed, so a link loop cannot trap the walk. A folder that cannot be listed is added to
    `unreadable` as a warning: its manifests would otherwise vanish without a word."""
    found: list[Path] = []
    skipped: list[Path] = []

    def cannot_list(exc: OSError) -> None:
        if unreadable is not None and exc.filename is not None:
            unreadable.append(
                f"{display_path(Path(exc.filename))}: folder not read ({exc.strerror}), so no manifest in it "
                "is built; make it readable or move it out of the runs folder"
            )

    for root, dirs, files in os.walk(runs_dir, followlinks=False, onerror=cannot_list):
        keep = []
        for d in sorted(dirs):
            if d.startswith(".") or d in FRAMEWORK_DIRS:
                skipped.append(Path(root) / d)
            else:
                keep.append(d)
        dirs[:] = keep
        for f in sorted(files):
            if not f.lower().endswith((".yaml", ".yml")):
                continue
            path = Path(root) / f
            if f in FRAMEWORK_YAML:
                skipped.append(path)
            elif not (Path(root) == runs_dir and f == SITE_CONFIG):
                found.append(path)
    return sorted(found), sorted(skipped)


def _looks_like_manifest(data: dict) -> bool:
    if data.get("kind") in KINDS:
        return True
    keys = [str(k) for k in data]
    if any(difflib.get_close_matches(k, ["logs"], n=1, cutoff=0.75) for k in keys):
        return True
    return "name" in keys and len(set(keys) & (set(RUN_KEYS) - {"name"})) >= 1 and any(
        k in keys for k in ("tags", "group", "notes", "metrics", "title")
    )


def _check_logs(checker: Checker, value: Any, manifest: Path, roots: InputRoots) -> tuple[LogSpec, ...]:
    if value is None:
        checker.error("logs", "expected a log path or a list of log paths, got nothing")
        return ()
    items = value if isinstance(value, list) else [value]
    if not items:
        checker.error("logs", "the list of logs is empty: name at least one log file")
    logs: list[LogSpec] = []
    for i, item in enumerate(items):
        key = f"logs[{i}]" if isinstance(value, list) else "logs"
        fmt = "auto"
        if isinstance(item, dict):
            _refuse_unknown(checker, sorted(map(str, item)), ("path", "format"), "a log entry takes path and format", f"{key}.")
            raw_path = item.get("path")
            fmt_value = item.get("format", "auto")
            if not isinstance(fmt_value, str) or fmt_value not in FORMATS:
                shown = fmt_value if isinstance(fmt_value, str) else describe(fmt_value)
                checker.error(
                    f"{key}.format",
                    f"expected one of {', '.join(FORMATS)}, got {shown!r}"
                    + (suggest(fmt_value, FORMATS) if isinstance(fmt_value, str) else ""),
                )
                continue
            fmt = fmt_value
            path_key = f"{key}.path"
        else:
            raw_path = item
            path_key = key
        if not isinstance(raw_path, str) or not raw_path.strip():
            checker.error(path_key, f"expected a file path, got {describe(raw_path)}")
            continue
        try:
            path = resolve_input(raw_path, manifest.parent, roots)
        except Refused as exc:
            if exc.missing:
                checker.error(path_key, f"log file not found: {raw_path} (paths are relative to the manifest)")
            else:
                checker.error(path_key, exc.message)
            continue
        logs.append(LogSpec(path=path, format=fmt, where=checker.doc.where(path_key)))
    return tuple(logs)


# Class counts are summed and stored as 64-bit integers: far below their limit, far above any dataset.
MAX_COUNT = 10**15


def _check_class_names(checker: Checker, value: Any) -> tuple[str, ...] | dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return tuple(str(v) for v in value)
    if isinstance(value, dict) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value.values()):
        return {str(k): str(v) for k, v in value.items()}
    checker.error("class_names", f"expected a list of class names or a mapping of class to name, got {describe(value)}")
    return None


def _balance_file(checker: Checker, key: str, raw: str, manifest: Path, roots: InputRoots, what: str) -> Path | None:
    try:
        return resolve_input(raw, manifest.parent, roots, folder_ok=False)
    except Refused as exc:
        if exc.missing:
            checker.error(key, f"{what} not found: {raw} (paths are relative to the manifest)")
        else:
            checker.error(key, exc.message)
        return None


def _check_balance(checker: Checker, data: dict, manifest: Path, roots: InputRoots) -> BalanceSpec | None:
    """`class_balance:` is a dataset name, a counts file, or a mapping of split to a label file,
    a counts file ({path, column}) or counts written inline ({class: count})."""
    value = data.get("class_balance")
    if value is None:
        if "class_names" in data:
            checker.error("class_names", "class_names needs class_balance beside it", at_key=True)
        return None
    names = _check_class_names(checker, data.get("class_names"))
    where = checker.doc.where("class_balance")
    if isinstance(value, str):
        if os.path.lexists(manifest.parent / value) or "/" in value or "." in Path(value).name:
            path = _balance_file(checker, "class_balance", value, manifest, roots, "file")
            if path is None:
                return None
            return BalanceSpec(where=where, sources=(BalanceSource(None, where, path=path),), class_names=names)
        return BalanceSpec(where=where, class_names=names, dataset=value)
    if not isinstance(value, dict) or not value:
        checker.error(
            "class_balance",
            f"expected a dataset name, a counts file, or a mapping of split to label file, got {describe(value)}",
        )
        return None
    sources: list[BalanceSource] = []
    for split, item in value.items():
        key = f"class_balance.{split}"
        at = checker.doc.where(key)
        column = None
        if isinstance(item, dict) and "path" in item:
            _refuse_unknown(checker, sorted(map(str, item)), ("path", "column"), "a label file takes path and column", f"{key}.")
            column = item.get("column")
            if column is not None and not isinstance(column, str):
                checker.error(f"{key}.column", f"expected a column name, got {describe(column)}")
                continue
            item = item["path"]
        if isinstance(item, str):
            path = _balance_file(checker, key, item, manifest, roots, "label file")
            if path is None:
                continue
            sources.append(BalanceSource(str(split), at, path=path, column=column))
        elif isinstance(item, dict):
            bad = [k for k, v in item.items() if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_COUNT]
            if bad:
                checker.error(
                    f"{key}.{bad[0]}", f"expected a whole count from 0 to {MAX_COUNT:,}, got {describe(item[bad[0]])}"
                )
                continue
            sources.append(BalanceSource(str(split), at, counts={str(k): int(v) for k, v in item.items()}))
        else:
            checker.error(key, f"expected a label file path or a mapping of class to count, got {describe(item)}")
    return BalanceSpec(where=where, sources=tuple(sources), class_names=names)


def _refuse_unknown(
    checker: Checker, keys: Iterable[str], allowed: Collection[str], hint: str, prefix: str = "", kind: str = ""
) -> None:
    """One error per key not in `allowed`, in the order given, with the nearest allowed key
    suggested and `hint` saying what the mapping takes."""
    for k in keys:
        if k not in allowed:
            checker.error(f"{prefix}{k}", f"unknown key{kind}{suggest(k, allowed)}; {hint}", at_key=True)


def parse_dataset(
    doc: YamlDoc, base_analysis: AnalysisConfig, roots: InputRoots | None = None
) -> tuple[DatasetSpec | None, list[ManifestError]]:
    roots = roots or InputRoots.for_runs(doc.path.parent)
    data = doc.data
    checker = Checker(doc)
    _refuse_unknown(checker, map(str, data), DATASET_KEYS, "see docs/manifest.md", kind=" for a dataset")
    name = checker.text(data, "name", required=True)
    title = checker.text(data, "title")
    notes = checker.text(data, "notes") or ""
    analysis = check_analysis(checker, data.get("analysis"), "analysis", base_analysis)
    if "class_balance" not in data:
        checker.error(None, "a dataset manifest needs class_balance: (label files or counts per split)")
    balance = _check_balance(checker, data, doc.path, roots)
    if balance is not None and balance.dataset is not None:
        checker.error("class_balance", "a dataset's class_balance must name files or counts, not another dataset")
    if checker.problems or name is None or balance is None:
        return None, checker.problems
    return DatasetSpec(name=name.strip(), path=doc.path, balance=balance, title=title, notes=notes, analysis=analysis), []


def parse_run(
    doc: YamlDoc, base_analysis: AnalysisConfig, roots: InputRoots | None = None
) -> tuple[RunSpec | None, list[ManifestError]]:
    """Validate one manifest document; the files it names must lie under `roots` (default: the
    manifest's folder). Returns the spec (None if any problem) and the problems."""
    roots = roots or InputRoots.for_runs(doc.path.parent)
    data = doc.data
    checker = Checker(doc)
    _refuse_unknown(checker, map(str, data), RUN_KEYS, "see docs/manifest.md")
    name = checker.text(data, "name", required=True)
    if name is not None and not name.strip():
        checker.error("name", "the run name is empty")
    title = checker.text(data, "title")
    group = checker.text(data, "group")
    notes = checker.text(data, "notes") or ""
    task = checker.choice(data, "task", TASKS)
    loss = checker.choice(data, "loss", LOSS_KINDS)
    x = checker.choice(data, "x", X_VALUES)
    source = checker.choice(data, "source", SOURCES)
    tags: tuple[str, ...] = ()
    raw_tags = data.get("tags")
    if raw_tags is not None:
        if isinstance(raw_tags, str):
            raw_tags = [raw_tags]
        if not isinstance(raw_tags, list):
            checker.error("tags", f"expected a list of words, got {describe(raw_tags)}")
        else:
            bad = [i for i, t in enumerate(raw_tags) if isinstance(t, bool) or not isinstance(t, (str, int, float))]
            for i in bad:
                checker.error(f"tags[{i}]", f"expected a word, got {describe(raw_tags[i])}")
            if not bad:
                tags = tuple(dict.fromkeys(str(t) for t in raw_tags))
    num_classes = data.get("num_classes")
    if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2):
        checker.error("num_classes", f"expected a whole number of at least 2, got {describe(num_classes)}")
        num_classes = None
    metrics: dict[str, str] = {}
    raw_metrics = data.get("metrics")
    if raw_metrics is not None:
        from reportgen.model import ROLES

        if not isinstance(raw_metrics, dict):
            checker.error("metrics", f"expected a mapping of role to logged metric name, got {describe(raw_metrics)}")
        else:
            for role, series in raw_metrics.items():
                if role not in ROLES:
                    checker.error(f"metrics.{role}", f"unknown role{suggest(str(role), ROLES)}; roles are {', '.join(ROLES)}", at_key=True)
                elif not isinstance(series, str):
                    checker.error(f"metrics.{role}", f"expected the name of a logged metric, got {describe(series)}")
                else:
                    metrics[role] = series
    hparams = data.get("hparams") or {}
    if not isinstance(hparams, dict):
        checker.error("hparams", f"expected a mapping of parameter names to values, got {describe(hparams)}")
        hparams = {}
    analysis = check_analysis(checker, data.get("analysis"), "analysis", base_analysis)
    kind = checker.choice(data, "kind", KINDS)
    if kind == "dataset":
        checker.error("kind", "a dataset manifest has no logs: remove logs: or use kind: run")
    logs = _check_logs(checker, data.get("logs"), doc.path, roots)
    balance = _check_balance(checker, data, doc.path, roots)
    if checker.problems or name is None:
        return None, checker.problems
    spec = RunSpec(
        name=name.strip(),
        path=doc.path,
        logs=logs,
        title=title,
        group=group,
        tags=tags,
        notes=notes,
        task=task,
        loss=loss,
        num_classes=num_classes,
        metrics=metrics,
        x=x,
        hparams={str(k): v for k, v in hparams.items()},
        analysis=analysis,
        source=source,
        key_lines={k: v[0] for k, v in doc.positions.items() if "." not in k and "[" not in k},
        class_balance=balance,
    )
    return spec, []


def load_manifests(
    runs_dir: Path, parsed: ParsedYaml | None = None, allow_outside: tuple[Path, ...] | list[Path] = ()
) -> LoadResult:
    """Read the site config and every manifest under `runs_dir`; never stops at the first problem.
    `parsed` holds documents parsed by an earlier build (see yamlpos.ParsedYaml). Manifests may
    name files under `runs_dir`, `allow_outside` and the site config's allow_outside: only.

    Returns the valid runs (sorted by name), the site config and every problem found. Raises
    ManifestError only when `runs_dir` itself is unusable.
    """
    if not runs_dir.is_dir():
        raise ManifestError("not a folder: give the folder that holds your run manifests", Location(runs_dir))
    site, problems = load_site_config(runs_dir, parsed)
    roots = InputRoots.for_runs(runs_dir, (*allow_outside, *site.extra.get("allow_outside", ())))
    warnings: list[str] = []
    candidates, skipped = find_yaml_files(runs_dir, warnings)
    runs: list[RunSpec] = []
    datasets: dict[str, DatasetSpec] = {}
    dataset_slugs: dict[str, DatasetSpec] = {}
    by_name: dict[str, RunSpec] = {}
    by_slug: dict[str, RunSpec] = {}
    for path in candidates:
        try:
            doc = load_yaml(path, parsed)
        except ManifestError as exc:
            problems.append(exc)
            continue
        if isinstance(doc.data, dict) and doc.data.get("kind") == "dataset" and "logs" not in doc.data:
            dataset, found = parse_dataset(doc, site.analysis, roots)
            problems.extend(found)
            if dataset is not None:
                slug = slugify(dataset.name)
                if dataset.name in datasets:
                    problems.append(ManifestError(f"duplicate dataset name {dataset.name!r}: already used by {Location(datasets[dataset.name].path)}", doc.where("name", value=False), key="name"))
                elif slug in dataset_slugs:
                    other = dataset_slugs[slug]
                    problems.append(
                        ManifestError(
                            f"dataset name {dataset.name!r} gives the same page address ({slug}) as {other.name!r} "
                            f"in {Location(other.path)}; rename one of them",
                            doc.where("name", value=False),
                            key="name",
                        )
                    )
                else:
                    datasets[dataset.name] = dataset
                    dataset_slugs[slug] = dataset
            continue
        if not isinstance(doc.data, dict) or "logs" not in doc.data:
            if isinstance(doc.data, dict) and _looks_like_manifest(doc.data):
                problems.append(
                    ManifestError(
                        "looks like a run manifest but has no 'logs:' key; add the log paths "
                        "(or rename the file if it is not a manifest)",
                        doc.where(None),
                    )
                )
            else:
                skipped.append(path)
            continue
        spec, found = parse_run(doc, site.analysis, roots)
        problems.extend(found)
        if spec is None:
            continue
        where = doc.where("name", value=False)
        if spec.name in by_name:
            first = by_name[spec.name]
            problems.append(
                ManifestError(
                    f"duplicate run name {spec.name!r}: already used by {Location(first.path, first.key_lines.get('name'))}; "
                    "run names must be unique",
                    where,
                    key="name",
                )
            )
            continue
        slug = slugify(spec.name)
        if slug in by_slug:
            other = by_slug[slug]
            problems.append(
                ManifestError(
                    f"run name {spec.name!r} gives the same page address ({slug}) as {other.name!r} "
                    f"in {Location(other.path, other.key_lines.get('name'))}; rename one of them",
                    where,
                    key="name",
                )
            )
            continue
        by_name[spec.name] = spec
        by_slug[slug] = spec
        runs.append(spec)
    # a run's class_balance may name a dataset manifest: it must exist
    resolved = []
    for spec in runs:
        ref = spec.class_balance.dataset if spec.class_balance else None
        if ref is not None and ref not in datasets:
            known = ", ".join(sorted(datasets)) or "none are defined"
            problems.append(
                ManifestError(
                    f"no dataset named {ref!r} (datasets: {known}); give a file path or define it in a "
                    "YAML file with kind: dataset",
                    spec.class_balance.where,
                    key="class_balance",
                )
            )
            continue
        resolved.append(spec)
    resolved.sort(key=lambda s: s.name)
    return LoadResult(
        runs=resolved,
        site=site,
        problems=problems,
        skipped=sorted(skipped),
        datasets=[datasets[k] for k in sorted(datasets)],
        warnings=warnings,
    )
