"""Which comparisons exist, hparams that differ, and per-run styles."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from reportgen.errors import Location, ManifestError
from reportgen.figures.run_styles import run_colors
from reportgen.manifest.site_config import load_site_config
from reportgen.model import CompareSpec, RunSpec
from reportgen.site.comparisons import (
    Comparison,
    check_comparisons,
    differing_hparams,
    plan_comparisons,
)


def spec(name: str, group: str | None = None, tags: tuple[str, ...] = ()) -> RunSpec:
    return RunSpec(name=name, path=Path(f"runs/{name}.yaml"), logs=(), group=group, tags=tags)


def declare(*items: dict, path: Path | None = None) -> list[CompareSpec]:
    """Declared comparisons as reportgen.yaml gives them (checked there), without positions."""
    return [
        CompareSpec(
            name=item["name"],
            where=Location(path),
            key=f"compare[{i}]",
            runs=tuple([item["runs"]] if isinstance(item.get("runs"), str) else item.get("runs", ())),
            tags=tuple(item.get("tags", ())),
            runs_where=tuple(Location(path) for _ in ([item["runs"]] if isinstance(item.get("runs"), str) else item.get("runs", ()))),
            tags_where=tuple(Location(path) for _ in item.get("tags", ())),
        )
        for i, item in enumerate(items)
    ]


SPECS = [
    spec("resnet-s1", group="resnet", tags=("baseline", "cifar")),
    spec("resnet-s0", group="resnet", tags=("cifar",)),
    spec("vit-s0", group="vit", tags=("cifar",)),
    spec("vit-s1", group="vit"),
    spec("mlp", group="solo", tags=("baseline",)),
]


def test_automatic_comparisons_for_groups_and_tags_with_two_or_more_runs():
    assert plan_comparisons(SPECS, []) == [
        Comparison("resnet", "group-resnet", "group", ("resnet-s0", "resnet-s1")),
        Comparison("vit", "group-vit", "group", ("vit-s0", "vit-s1")),
        Comparison("baseline", "tag-baseline", "tag", ("mlp", "resnet-s1")),
        Comparison("cifar", "tag-cifar", "tag", ("resnet-s0", "resnet-s1", "vit-s0")),
    ]


def test_order_does_not_depend_on_input_order():
    assert plan_comparisons(SPECS, []) == plan_comparisons(list(reversed(SPECS)), [])


def test_declared_comparisons_match_globs_or_tags_and_come_first_in_user_order():
    declared = declare(
        {"name": "Seed 0 everywhere", "runs": ["*-s0"]},
        {"name": "Best of both", "runs": ["mlp", "vit-s[01]"], "tags": ["baseline"]},
    )
    plan = plan_comparisons(SPECS, declared)
    assert plan[:2] == [
        Comparison("Seed 0 everywhere", "seed-0-everywhere", "declared", ("resnet-s0", "vit-s0")),
        Comparison(
            "Best of both", "best-of-both", "declared", ("mlp", "resnet-s1", "vit-s0", "vit-s1")
        ),
    ]
    assert [c.kind for c in plan[2:]] == ["group", "group", "tag", "tag"]


def test_glob_matching_is_case_sensitive_and_a_single_name_is_accepted():
    plan, problems = check_comparisons(
        SPECS, declare({"name": "upper", "runs": "MLP*"}, {"name": "single", "runs": "ml?"})
    )
    assert [str(p) for p in problems] == [
        "compare[0]: comparison 'upper' matches no run; check its runs and tags"
    ]
    assert plan[0] == Comparison("single", "single", "declared", ("mlp",))


def test_duplicate_names_and_slugs_get_numbered_in_a_fixed_order():
    declared = declare(
        {"name": "resnet", "runs": ["resnet-*"]},
        {"name": "resnet", "runs": ["vit-*"]},
        {"name": "Group resnet", "runs": ["mlp"]},
    )
    plan = plan_comparisons(SPECS, declared)
    assert [(c.name, c.slug, c.kind) for c in plan] == [
        ("resnet", "resnet", "declared"),
        ("resnet (2)", "resnet-2", "declared"),
        ("Group resnet", "group-resnet", "declared"),
        ("resnet (3)", "group-resnet-2", "group"),
        ("vit", "group-vit", "group"),
        ("baseline", "tag-baseline", "tag"),
        ("cifar", "tag-cifar", "tag"),
    ]
    assert len({c.slug for c in plan}) == len(plan)


def test_declared_comparison_matching_no_run_is_an_error_at_its_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reportgen.yaml").write_text(
        "title: t\n\ncompare:\n    - name: ok\n      runs: [vit-*]\n    - name: typo\n      runs: [rsnet-*]\n",
        encoding="utf-8",
    )
    site, problems = load_site_config(tmp_path)
    assert problems == []
    with pytest.raises(ManifestError) as info:
        plan_comparisons(SPECS, site.compare)
    assert str(info.value) == (
        "reportgen.yaml:6:7: compare[1]: comparison 'typo' matches no run; check its runs and tags"
    )


def test_unknown_plain_run_name_is_an_error_even_when_others_match():
    declared = declare({"name": "mixed", "runs": ["vit-s0", "vit-s7"]}, path=Path("reportgen.yaml"))
    with pytest.raises(ManifestError) as info:
        plan_comparisons(SPECS, declared)
    assert (
        str(info.value)
        == "reportgen.yaml: compare[0].runs[1]: comparison 'mixed': no run named 'vit-s7'"
    )


def test_unknown_tag_is_an_error_and_a_typo_is_reported_once():
    declared = declare(
        {"name": "tagged", "tags": ["cifar", "imagenet"]},
        {"name": "typo only", "runs": ["rsnet-s0"]},
    )
    plan, problems = check_comparisons(SPECS, declared)
    assert [str(p) for p in problems] == [
        "compare[0].tags[1]: comparison 'tagged': no run has the tag 'imagenet'",
        "compare[1].runs[0]: comparison 'typo only': no run named 'rsnet-s0'",
    ]
    assert plan[0].runs == ("resnet-s0", "resnet-s1", "vit-s0")


def test_malformed_declarations_are_reported_when_reportgen_yaml_is_read(tmp_path, monkeypatch):
    # Checked with the rest of the site config (manifest/site_config.py), so `check` reports
    # them too; only the matching against runs is left to the build.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reportgen.yaml").write_text(
        "compare:\n"
        "  - not a mapping\n"
        "  - runs: [mlp]\n"
        "  - name: empty\n"
        "  - name: bad\n    runs: [{x: 1}]\n    colour: red\n"
        "  - name: fine\n    tags: [cifar]\n",
        encoding="utf-8",
    )
    site, problems = load_site_config(tmp_path)
    assert [str(p) for p in problems] == [
        "reportgen.yaml:2:5: compare[0]: expected a mapping with name, runs and/or tags",
        "reportgen.yaml:3:5: compare[1]: every comparison needs a name",
        "reportgen.yaml:4:5: compare[2]: comparison 'empty' lists no runs and no tags",
        "reportgen.yaml:7:5: compare[3].colour: unknown setting; a comparison takes name, runs and tags",
        "reportgen.yaml:6:5: compare[3].runs: expected a list of run names or patterns",
        "reportgen.yaml:5:5: compare[3]: comparison 'bad' lists no runs and no tags",
    ]
    plan = plan_comparisons(SPECS, site.compare)
    assert plan[0] == Comparison("fine", "fine", "declared", ("resnet-s0", "resnet-s1", "vit-s0"))
    assert len(plan) == 5


# ----------------------------------------------------------------------------- hparams


def test_differing_hparams_lists_changed_and_missing_keys_sorted():
    hparams = {
        "a": {"lr": 1e-3, "seed": 0, "opt": "adam", "layers": [64, 64], "wd": 0.0, "nan": math.nan},
        "b": {"lr": 0.001, "seed": 1, "opt": "adam", "layers": [64, 64], "nan": math.nan},
        "c": {"lr": 1e-3, "seed": 2, "opt": "adam", "layers": [64, 32], "wd": 0.0, "nan": math.nan},
    }
    assert differing_hparams(hparams) == ["layers", "seed", "wd"]


def test_differing_hparams_type_rules():
    # 1 and 1.0 are the same number; True is not 1 and "1" is not 1; nested dicts compare by value.
    assert (
        differing_hparams(
            {"a": {"x": 1, "d": {"p": 1, "q": 2}}, "b": {"x": 1.0, "d": {"q": 2, "p": 1}}}
        )
        == []
    )
    assert differing_hparams({"a": {"x": True}, "b": {"x": 1}}) == ["x"]
    assert differing_hparams({"a": {"x": "1"}, "b": {"x": 1}}) == ["x"]
    assert differing_hparams({"a": {"x": None}, "b": {}}) == ["x"]
    assert differing_hparams({"only": {"x": 1}}) == []


# ----------------------------------------------------------------------------- styles


def test_run_colors_are_stable_and_distinct_beyond_the_palette():
    names = [f"run-{i:02d}" for i in range(20)]
    styles = run_colors(names)
    assert styles == run_colors(list(reversed(names)))
    pairs = [(styles[n].color, styles[n].marker) for n in sorted(names)]
    assert len(set(pairs)) == 20
    first = [styles[n] for n in sorted(names)[:7]]
    assert len({s.color for s in first}) == 7 and all(s.marker is None for s in first)
    assert styles["run-07"].color == styles["run-00"].color
    assert styles["run-07"].marker is not None
    # A page showing a subset uses the site-wide styles: same colour as on every other page.
    assert [styles[n].index for n in sorted(names)] == list(range(20))


# ----------------------------------------------------------------------------- issue 13: ranking


def _record(name: str, best_val: float | None, *, task: str = "classification", loss: str = "cross_entropy",
            severity: str | None = None, best_train: float | None = None) -> dict:
    metrics = {}
    roles = {}
    if best_val is not None:
        metrics["val_loss"] = {"min": best_val, "final": best_val}
        roles["val_loss"] = "val_loss"
    if best_train is not None:
        metrics["loss"] = {"min": best_train, "final": best_train}
        roles["train_loss"] = "loss"
    flags = [{"kind": "divergence", "severity": severity}] if severity else []
    return {"name": name, "task": task, "loss": loss, "metrics": metrics, "roles": roles, "flags": flags}


def test_a_diverged_run_is_ranked_after_every_healthy_one() -> None:
    from reportgen.site.pages import ranking_sets

    (ranking,) = ranking_sets([_record("boom", 0.01, severity="error"), _record("ok", 0.5), _record("meh", 0.9)])
    assert ranking["runs"] == ["ok", "meh", "boom"]
    # a warning is no failure: it keeps its place by value
    (ranking,) = ranking_sets([_record("warned", 0.01, severity="warning"), _record("ok", 0.5)])
    assert ranking["runs"] == ["warned", "ok"]


def test_mse_and_cross_entropy_runs_are_never_ranked_together() -> None:
    from reportgen.site.pages import ranking_sets

    sets = ranking_sets([_record("ce", 0.1), _record("mse", 0.05, task="regression", loss="mse"), _record("ce2", 0.2),
                         _record("train-only", None, best_train=0.01)])
    assert [(s["label"], s["runs"]) for s in sets] == [
        ("classification, cross-entropy loss, ranked by best validation loss", ["ce", "ce2"]),
        ("regression, mse loss, ranked by best validation loss", ["mse"]),
        ("classification, cross-entropy loss, ranked by best train loss", ["train-only"]),
    ]
