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
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.errors import Location, ManifestError, ReportgenError, display_path
from reportgen.manifest.format import DATASET, KINDS, RUN
from reportgen.manifest.input_paths import InputRoots
from reportgen.manifest.run_keys import DATASET_CHECKS, RUN_CHECKS
from reportgen.manifest.site_config import SITE_CONFIG, load_site_config
from reportgen.manifest.slug import slugify
from reportgen.manifest.validate import Context, check_table
from reportgen.manifest.values import Checker
from reportgen.manifest.yaml_positions import ParsedYaml, YamlDoc, load_yaml
from reportgen.model import AnalysisConfig, DatasetSpec, RunSpec, SiteConfig

FRAMEWORK_YAML = {"hparams.yaml", "meta.yaml", "opt.yaml", "hyp.yaml", "args.yaml", "meta_tags.yaml"}
FRAMEWORK_DIRS = {"mlruns", "lightning_logs", "wandb", ".hydra", "__pycache__", "node_modules"}


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
    return "name" in keys and len(set(keys) & (set(RUN.names) - {"name"})) >= 1 and any(
        k in keys for k in ("tags", "group", "notes", "metrics", "title")
    )


def parse_dataset(
    doc: YamlDoc, base_analysis: AnalysisConfig, roots: InputRoots | None = None
) -> tuple[DatasetSpec | None, list[ManifestError]]:
    """Validate one `kind: dataset` document (keys: manifest/format.py DATASET)."""
    checker = Checker(doc)
    context = Context(doc.data, doc.path.parent, roots or InputRoots.for_runs(doc.path.parent), base_analysis)
    fields = check_table(checker, DATASET, doc.data, DATASET_CHECKS, context)
    if checker.problems or "name" not in fields or "balance" not in fields:
        return None, checker.problems
    return DatasetSpec(path=doc.path, **fields), []


def parse_run(
    doc: YamlDoc, base_analysis: AnalysisConfig, roots: InputRoots | None = None
) -> tuple[RunSpec | None, list[ManifestError]]:
    """Validate one manifest document (keys: manifest/format.py RUN); the files it names must lie
    under `roots` (default: the manifest's folder). Returns the spec (None if any problem) and
    the problems."""
    checker = Checker(doc)
    context = Context(doc.data, doc.path.parent, roots or InputRoots.for_runs(doc.path.parent), base_analysis)
    fields = check_table(checker, RUN, doc.data, RUN_CHECKS, context)
    if checker.problems or "name" not in fields:
        return None, checker.problems
    key_lines = {k: v[0] for k, v in doc.positions.items() if "." not in k and "[" not in k}
    return RunSpec(path=doc.path, key_lines=key_lines, **fields), []


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
    roots = InputRoots.for_runs(runs_dir, (*allow_outside, *site.allow_outside))
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
