"""Manifest discovery and validation: every message is asserted whole, file and line included."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_run, write_csv

from reportgen.errors import ManifestError
from reportgen.manifest.load import load_manifests
from reportgen.readers import FORMATS


@pytest.fixture(autouse=True)
def _cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # error messages show paths relative to the working directory
    monkeypatch.chdir(tmp_path)


def messages(runs: Path) -> list[str]:
    return [p.format_message() for p in load_manifests(runs).problems]


def test_valid_manifest_is_loaded_with_all_fields(runs_dir: Path) -> None:
    make_run(runs_dir, "a", title="A", group="g", tags=["x", "y"], task="classification",
             loss="cross_entropy", num_classes=10, hparams={"lr": 0.1}, x="step",
             metrics={"train_loss": "train_loss"}, analysis={"smoothing": 0.9, "overfit_strips": 4})
    result = load_manifests(runs_dir)
    assert result.problems == []
    (spec,) = result.runs
    assert (spec.name, spec.title, spec.group, spec.tags) == ("a", "A", "g", ("x", "y"))
    assert spec.num_classes == 10 and spec.hparams == {"lr": 0.1}
    assert spec.analysis.smoothing == 0.9 and spec.analysis.overfit_strips == 4
    assert spec.logs[0].path == (runs_dir / "logs" / "a.csv").resolve()


def test_malformed_yaml_names_file_and_line(runs_dir: Path) -> None:
    (runs_dir / "bad.yaml").write_text("name: a\nlogs: [x.csv\n", encoding="utf-8")
    assert messages(runs_dir) == [
        "runs/bad.yaml:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_unknown_key_suggests_the_right_one(runs_dir: Path) -> None:
    make_run(runs_dir, "a", tagss=["x"])
    assert messages(runs_dir) == [
        "runs/a.yaml:2:1: tagss: unknown key (did you mean 'tags'?); see docs/manifest.md"
    ]


def test_missing_log_file(runs_dir: Path) -> None:
    (runs_dir / "a.yaml").write_text("name: a\nlogs:\n  - path: logs/nope.csv\n", encoding="utf-8")
    assert messages(runs_dir) == [
        "runs/a.yaml:3:11: logs[0].path: log file not found: logs/nope.csv (paths are relative to the manifest)"
    ]


def test_duplicate_run_name_points_at_the_first(runs_dir: Path) -> None:
    make_run(runs_dir, "a")
    write_csv(runs_dir / "logs" / "b.csv", {"step": [0, 1], "loss": [1.0, 0.5]})
    (runs_dir / "b.yaml").write_text("logs: logs/b.csv\nname: a\n", encoding="utf-8")
    assert messages(runs_dir) == [
        "runs/b.yaml:2:1: name: duplicate run name 'a': already used by runs/a.yaml:1; run names must be unique"
    ]
    assert [s.name for s in load_manifests(runs_dir).runs] == ["a"]


def test_names_that_slug_to_the_same_url_are_rejected(runs_dir: Path) -> None:
    make_run(runs_dir, "My Run")
    write_csv(runs_dir / "logs" / "b.csv", {"step": [0, 1], "loss": [1.0, 0.5]})
    (runs_dir / "b.yaml").write_text("name: my-run\nlogs: logs/b.csv\n", encoding="utf-8")
    assert messages(runs_dir) == [
        ("runs/b.yaml:1:1: name: run name 'my-run' gives the same page address (my-run) as 'My Run' "
        "in runs/My Run.yaml:1; rename one of them")
    ]


def test_wrong_types_and_choices_speak_yaml(runs_dir: Path) -> None:
    make_run(runs_dir, "a", tags=5, task="clasification", num_classes="ten",
             logs=[{"path": "logs/a.csv", "format": "cvs"}])
    assert messages(runs_dir) == [
        "runs/a.yaml:3:7: task: expected one of classification, regression, got 'clasification' (did you mean 'classification'?)",
        "runs/a.yaml:2:7: tags: expected a list of words, got a number (5)",
        "runs/a.yaml:4:14: num_classes: expected a whole number of at least 2, got text ('ten')",
        # the list of formats grows as readers are added; the message shape stays
        f"runs/a.yaml:7:11: logs[0].format: expected one of {', '.join(FORMATS)}, got 'cvs' (did you mean 'csv'?)",
    ]


def test_every_problem_in_every_manifest_is_reported(runs_dir: Path) -> None:
    make_run(runs_dir, "good")
    (runs_dir / "b.yaml").write_text("name: b\nlogs: nope.csv\ncolour: red\n", encoding="utf-8")
    (runs_dir / "c.yaml").write_text("logs: x.csv\n", encoding="utf-8")
    found = messages(runs_dir)
    assert found == [
        "runs/b.yaml:3:1: colour: unknown key; see docs/manifest.md",
        "runs/b.yaml:2:7: logs: log file not found: nope.csv (paths are relative to the manifest)",
        "runs/c.yaml:1: missing required key 'name'",
        "runs/c.yaml:1:7: logs: log file not found: x.csv (paths are relative to the manifest)",
    ]
    assert [s.name for s in load_manifests(runs_dir).runs] == ["good"]


def test_framework_yaml_is_left_alone(runs_dir: Path) -> None:
    make_run(runs_dir, "a")
    lightning = runs_dir / "logs" / "lightning_logs" / "version_0"
    lightning.mkdir(parents=True)
    (lightning / "hparams.yaml").write_text("lr: !!python/name:builtins.float ''\nname: x\n", encoding="utf-8")
    (runs_dir / "logs" / "hparams.yaml").write_text("name: a\ntags: [1]\n", encoding="utf-8")
    (runs_dir / "mlruns" / "0").mkdir(parents=True)
    (runs_dir / "mlruns" / "0" / "meta.yaml").write_text("name: Default\n", encoding="utf-8")
    (runs_dir / "notes.yaml").write_text("todo: [more runs]\n", encoding="utf-8")
    result = load_manifests(runs_dir)
    assert result.problems == [] and [s.name for s in result.runs] == ["a"]
    assert runs_dir / "notes.yaml" in result.skipped


@pytest.mark.parametrize(
    "text, message",
    [
        ("name: a\nlgos: x.csv\n", "runs/m.yaml:1: looks like a run manifest but has no 'logs:' key; add the log paths (or rename the file if it is not a manifest)"),
        ("name: a\ntags: [x]\nlog: x.csv\n", "runs/m.yaml:1: looks like a run manifest but has no 'logs:' key; add the log paths (or rename the file if it is not a manifest)"),
    ],
)
def test_a_misspelled_manifest_is_never_skipped_silently(runs_dir: Path, text: str, message: str) -> None:
    (runs_dir / "m.yaml").write_text(text, encoding="utf-8")
    assert messages(runs_dir) == [message]


def test_site_config_sets_title_and_thresholds(runs_dir: Path) -> None:
    make_run(runs_dir, "a", analysis={"overfit_gl": 20})
    (runs_dir / "reportgen.yaml").write_text("title: My sweep\nsmoothing: 0.8\nanalysis: {overfit_gl: 5}\n", encoding="utf-8")
    result = load_manifests(runs_dir)
    assert result.problems == []
    assert result.site.title == "My sweep"
    assert result.site.analysis.smoothing == 0.8 and result.site.analysis.overfit_gl == 5
    # the run's own setting wins over the site default, the rest is inherited
    assert result.runs[0].analysis.overfit_gl == 20 and result.runs[0].analysis.smoothing == 0.8


def test_bad_site_config_is_reported(runs_dir: Path) -> None:
    make_run(runs_dir, "a")
    (runs_dir / "reportgen.yaml").write_text("titel: x\nanalysis: {smoothing: 1.5, overfit_strips: 2.5}\n", encoding="utf-8")
    assert messages(runs_dir) == [
        "runs/reportgen.yaml:1:1: titel: unknown setting (did you mean 'title'?); see docs/manifest.md",
        "runs/reportgen.yaml:2:44: analysis.overfit_strips: expected a whole number of at least 1, got 2.5",
        "runs/reportgen.yaml:2:23: analysis.smoothing: expected a number from 0 to below 1, got 1.5",
    ]


def test_runs_dir_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as err:
        load_manifests(tmp_path / "nope")
    assert err.value.format_message() == "nope: not a folder: give the folder that holds your run manifests"


def test_manifests_parsed_before_are_not_parsed_again(runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reportgen.manifest.yaml_positions as yamlpos

    make_run(runs_dir, "a", notes="first")
    make_run(runs_dir, "b", hparams={"when": "2024-01-01"})
    (runs_dir / "c.yaml").write_text("name: c\nlogs: logs/a.csv\nhparams:\n  order: !!omap [{a: 1}]\n", encoding="utf-8")
    first = yamlpos.ParsedYaml()
    cold = load_manifests(runs_dir, first)
    parsed: list[str] = []
    real = yamlpos._parse

    def counting(raw: bytes, path: Path):
        parsed.append(path.name)
        return real(raw, path)

    monkeypatch.setattr(yamlpos, "_parse", counting)
    (runs_dir / "a.yaml").write_text((runs_dir / "a.yaml").read_text(encoding="utf-8").replace("first", "second"), encoding="utf-8")
    warm = load_manifests(runs_dir, yamlpos.ParsedYaml(first.used))
    # a.yaml changed; c.yaml holds an ordered mapping (pairs), which is not kept (only plain values are)
    assert parsed == ["a.yaml", "c.yaml"]
    assert [s.notes for s in warm.runs] == ["second", "", ""]
    assert warm.runs[1:] == cold.runs[1:] and warm.problems == cold.problems


def test_line_endings_do_not_change_what_a_manifest_says(runs_dir: Path) -> None:
    make_run(runs_dir, "a")
    text = "name: b\nlogs: logs/a.csv\nnotes: |\n  line one\n  line two\n"
    (runs_dir / "b.yaml").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    (spec_a, spec_b) = load_manifests(runs_dir).runs
    assert spec_b.notes == "line one\nline two\n"
    assert spec_b.key_lines == {"name": 1, "logs": 2, "notes": 3}


def test_libyaml_and_pyyaml_parsers_give_the_same_documents_and_positions() -> None:
    """Manifests are parsed by libyaml when PyYAML has it: the data and every key's and value's
    line and column must be what PyYAML's own parser gives (error messages come from it)."""
    import yaml

    from reportgen.manifest import yaml_positions as yamlpos

    assert yamlpos._FAST_LOADER is getattr(yaml, "CSafeLoader", None)
    if yamlpos._FAST_LOADER is None:
        pytest.skip("this PyYAML was built without libyaml: only its own parser is used")
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "runs").rglob("*.yaml")) + sorted((root / "tests" / "golden" / "runs").rglob("*.yaml"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = yamlpos._construct(yamlpos._LOADERS[0], text, path)
        slow = yamlpos._construct(yamlpos._LOADERS[1], text, path)
        assert fast == slow, path


def test_values_are_described_in_yaml_words_never_python(runs_dir: Path) -> None:
    make_run(runs_dir, "a")
    (runs_dir / "reportgen.yaml").write_text("smoothing: lots\n", encoding="utf-8")
    (runs_dir / "b.yaml").write_text(
        "name: b\nlogs: logs/a.csv\ntags: [ok, {nested: 1}]\nnum_classes: !!omap [{a: 1}]\n"
        "analysis: {overfit_gl: .nan, spike_z: 1.0e+400, plateau_patience: 10000000000000, noise_z: 1e-3}\n"
        "class_balance: {train: {cat: 1000000000000000000000000000000}}\n",
        encoding="utf-8",
    )
    assert messages(runs_dir) == [
        "runs/reportgen.yaml:1:12: smoothing: expected a number, got text ('lots')",
        "runs/b.yaml:3:12: tags[1]: expected a word, got a mapping",
        "runs/b.yaml:4:14: num_classes: expected a whole number of at least 2, got a list",
        "runs/b.yaml:5:24: analysis.overfit_gl: expected a finite number, got .nan",
        "runs/b.yaml:5:39: analysis.spike_z: expected a finite number, got .inf",
        "runs/b.yaml:5:67: analysis.plateau_patience: expected a whole number of at most 1,000,000,000, got 10000000000000",
        "runs/b.yaml:6:30: class_balance.train.cat: expected a whole count from 0 to 1,000,000,000,000,000, "
        "got a number (1000000000000000000000000000000)",
    ]
    (runs_dir / "b.yaml").write_text("name: b\nlogs: logs/a.csv\nanalysis: {noise_z: 1e-3}\n", encoding="utf-8")
    (runs_dir / "reportgen.yaml").unlink()
    loaded = load_manifests(runs_dir)
    assert loaded.problems == [] and loaded.runs[1].analysis.noise_z == 0.001


# ----------------------------------------------------------------------------- keys others consume
# `checkpoints:` (inside-the-model views) and `sweeps:` (sweep pages) are declared in
# manifest/format.py and checked here; the stages that read them live elsewhere.


def test_checkpoints_are_read_as_a_path_or_a_mapping(runs_dir: Path) -> None:
    (runs_dir / "ck").mkdir()
    for name in ("epoch-1.pt", "epoch-2.pt"):  # found, not read: torch is optional
        (runs_dir / "ck" / name).write_bytes(b"")
    make_run(runs_dir, "a", checkpoints="ck/epoch-*.pt")
    make_run(runs_dir, "b", checkpoints={"path": "ck", "include": ["*.pt", "*.safetensors"], "exclude": "*optim*"})
    make_run(runs_dir, "c")
    result = load_manifests(runs_dir)
    assert result.problems == []
    a, b, c = result.runs
    assert (a.checkpoints.path, a.checkpoints.include, a.checkpoints.exclude) == ("ck/epoch-*.pt", (), ())
    assert str(a.checkpoints.where) == "runs/a.yaml:2:14"
    assert (b.checkpoints.path, b.checkpoints.include, b.checkpoints.exclude) == ("ck", ("*.pt", "*.safetensors"), ("*optim*",))
    assert c.checkpoints is None


@pytest.mark.parametrize(("value", "message"), [
    (3, "runs/a.yaml:2:14: checkpoints: expected a folder or glob, or a mapping with path, include and exclude, got a number (3)"),
    ({"include": ["*.pt"]}, "runs/a.yaml:3:3: checkpoints: missing required key 'path'"),
    ({"path": "ck", "exlude": ["*opt*"]}, "runs/a.yaml:4:3: checkpoints.exlude: unknown key (did you mean 'exclude'?); checkpoints takes path, include and exclude"),
    ({"path": "ck", "include": [True]}, "runs/a.yaml:5:5: checkpoints.include[0]: expected a word, got a true/false value (true)"),
    ("", "runs/a.yaml:2:14: checkpoints: the checkpoint path is empty"),
])
def test_bad_checkpoints_say_what_to_write(runs_dir: Path, value: object, message: str) -> None:
    make_run(runs_dir, "a", checkpoints=value)
    assert messages(runs_dir) == [message]


def test_sweeps_are_read_with_their_defaults(runs_dir: Path) -> None:
    make_run(runs_dir, "lr-1")
    (runs_dir / "reportgen.yaml").write_text(
        "sweeps:\n  - name: LR\n    runs: ['lr-*']\n  - name: by tag\n    tags: [x]\n    objective: val_acc\n"
        "    summary: final\n    goal: max\n",
        encoding="utf-8",
    )
    result = load_manifests(runs_dir)
    assert result.problems == []
    lr, tagged = result.site.sweeps
    assert (lr.name, lr.runs, lr.tags, lr.objective, lr.summary, lr.goal) == ("LR", ("lr-*",), (), None, "best", "min")
    assert str(lr.where) == "runs/reportgen.yaml:2:5"
    assert (tagged.tags, tagged.objective, tagged.summary, tagged.goal) == (("x",), "val_acc", "final", "max")


def test_bad_sweeps_are_reported_with_file_line_and_key(runs_dir: Path) -> None:
    make_run(runs_dir, "a")
    (runs_dir / "reportgen.yaml").write_text(
        "sweeps:\n"
        "  - name: lr\n    runs: [a]\n"
        "  - name: lr\n    tags: [x]\n"
        "  - just text\n"
        "  - runs: [a]\n"
        "  - name: empty\n"
        "  - name: bad\n    goal: maximum\n    sumary: best\n    runs: a\n",
        encoding="utf-8",
    )
    assert messages(runs_dir) == [
        "runs/reportgen.yaml:6:5: sweeps[2]: expected a mapping with name, runs, tags, objective, summary and goal",
        "runs/reportgen.yaml:4:11: sweeps[1].name: duplicate sweep name 'lr' (first given on line 2); rename one of them",
        "runs/reportgen.yaml:7:5: sweeps[3]: missing required key 'name'",
        "runs/reportgen.yaml:8:5: sweeps[4]: sweep 'empty' lists no runs and no tags; add runs: or tags:",
        "runs/reportgen.yaml:11:5: sweeps[5].sumary: unknown setting (did you mean 'summary'?); a sweep takes name, runs, tags, objective, summary and goal",
        "runs/reportgen.yaml:10:11: sweeps[5].goal: expected one of min, max, got 'maximum' (did you mean 'max'?)",
    ]
    (runs_dir / "reportgen.yaml").write_text("sweeps: {name: x}\n", encoding="utf-8")
    assert messages(runs_dir) == ["runs/reportgen.yaml:1:9: sweeps: expected a list of sweeps, got a mapping"]


def test_site_config_fields_are_typed(runs_dir: Path) -> None:
    (runs_dir / "shared").mkdir()
    make_run(runs_dir, "a", tags=["x"])
    (runs_dir / "reportgen.yaml").write_text(
        "allow_outside: shared\ncompare:\n  - name: mine\n    runs: [a, 'b*']\n    tags: [x]\n", encoding="utf-8"
    )
    site = load_manifests(runs_dir).site
    assert site.allow_outside == ((runs_dir / "shared").resolve(),)
    (compare,) = site.compare
    assert (compare.name, compare.key, compare.runs, compare.tags) == ("mine", "compare[0]", ("a", "b*"), ("x",))
    assert [str(w) for w in (compare.where, *compare.runs_where, *compare.tags_where)] == [
        "runs/reportgen.yaml:3:5", "runs/reportgen.yaml:4:12", "runs/reportgen.yaml:4:15", "runs/reportgen.yaml:5:12"
    ]
