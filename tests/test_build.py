"""End to end: manifests and logs in, a linked static site out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import make_run, write_csv
from sitecheck import broken_refs, parse

from reportgen.build import build

PNG = b"\x89PNG\r\n\x1a\n"


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture
def two_runs(runs_dir: Path) -> Path:
    make_run(runs_dir, "clean", group="g", tags=["base"], task="classification", loss="cross_entropy", num_classes=10)
    make_run(runs_dir, "overfit", group="g", tags=["base", "big"], overfit=True, steps=400)
    return runs_dir


def test_site_has_index_run_pages_figures_and_summary(two_runs: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    report = build(two_runs, out)
    assert report.problems == ()
    assert report.runs == ("clean", "overfit")
    for rel in ("index.html", "404.html", ".nojekyll", "summary.json", "static/style.css",
                "runs/clean/index.html", "runs/overfit/index.html"):
        assert (out / rel).is_file(), rel
    for run in ("clean", "overfit"):
        for fig in ("loss", "gap"):
            assert (out / "runs" / run / f"{fig}.svg").read_bytes().startswith(b"<?xml")
        assert (out / "runs" / run / "thumb.png").read_bytes().startswith(PNG)  # the index's thumbnail
    assert broken_refs(out) == []
    index = parse(out / "index.html")
    assert ("a", "href", "runs/clean/index.html") in index.refs
    assert ("a", "href", "runs/overfit/index.html") in index.refs
    run_page = parse(out / "runs" / "clean" / "index.html")
    assert ("img", "src", "loss.svg") in run_page.refs
    assert ("link", "href", "../../static/style.css") in run_page.refs


def test_summary_json_lists_every_run(two_runs: Path, tmp_path: Path) -> None:
    build(two_runs, tmp_path / "site")
    summary = json.loads((tmp_path / "site" / "summary.json").read_text(encoding="utf-8"))
    assert summary["schema_version"] == 1
    assert [r["name"] for r in summary["runs"]] == ["clean", "overfit"]
    clean = summary["runs"][0]
    assert clean["page"] == "runs/clean/index.html"
    assert clean["roles"] == {"train_loss": "train_loss", "val_loss": "val_loss"}
    assert set(clean["metrics"]) == {"train_loss", "val_loss"}
    assert clean["metrics"]["train_loss"]["points"] == 200
    assert clean["best"]["metric"] == "val_loss" and clean["best"]["role"] == "val_loss"
    for flag in summary["runs"][1]["flags"]:
        assert set(flag) >= {"kind", "step", "message", "severity", "evidence"}
    assert any(f["kind"] == "overfitting" for f in summary["runs"][1]["flags"])


def test_same_inputs_give_byte_identical_sites(two_runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(two_runs, tmp_path / "a")
    monkeypatch.chdir(two_runs)  # the working directory must not leak into the output
    build(two_runs, tmp_path / "b")
    a, b = site_bytes(tmp_path / "a"), site_bytes(tmp_path / "b")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


def test_bad_runs_are_reported_and_good_runs_still_built(runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_run(runs_dir, "good")
    write_csv(runs_dir / "logs" / "noloss.csv", {"step": [0, 1, 2], "accuracy": [0.1, 0.2, 0.3]})
    (runs_dir / "noloss.yaml").write_text("name: noloss\nlogs: logs/noloss.csv\n", encoding="utf-8")
    (runs_dir / "broken.yaml").write_text("name: [\n", encoding="utf-8")
    report = build(runs_dir, tmp_path / "site")
    assert report.runs == ("good",)
    first, second = (p.format_message() for p in report.problems)
    assert first.startswith("runs/broken.yaml:2:1: invalid YAML: ")
    assert second == (
        "runs/noloss.yaml:2: logs: no loss column found (the logs have: accuracy); name it in the manifest, "
        "e.g. metrics: {train_loss: <column>}"
    )
    summary = json.loads((tmp_path / "site" / "summary.json").read_text(encoding="utf-8"))
    assert [p["where"] for p in summary["problems"]] == ["runs/broken.yaml:2:1", "runs/noloss.yaml:2"]
    assert "no loss column found" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "'';!--\"<XSS>=&{()}",
    "<iframe src=javascript:alert(1)>",
]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_user_text_is_escaped_everywhere(runs_dir: Path, tmp_path: Path) -> None:
    for i, payload in enumerate(XSS):
        make_run(
            runs_dir,
            f"r{i}",
            title=payload,
            group=payload,
            tags=[payload],
            notes=f"{payload}\n\n[click]({payload}) <a href=\"javascript:alert(2)\">x</a>",
            hparams={payload: payload},
        )
    build(runs_dir, tmp_path / "site")
    for page in sorted((tmp_path / "site").rglob("*.html")):
        parsed = parse(page)
        assert "iframe" not in parsed.tags and "svg" not in parsed.tags, page
        # the only scripts are the templates' own (static files, and the 404 page's inline way
        # home), never user text; the index's workbench data (its column table inline, each
        # run's overlay.js) holds user text only as JSON strings with no "<" at all
        scripts = [v for tag, attr, v in parsed.refs if tag == "script" and attr == "src"]
        overlays = [v for v in scripts if v.startswith("runs/") and v.endswith("/overlay.js")]
        assert all(re.fullmatch(r"(\.\./)*static/[A-Za-z/]+(\.iife\.min)?\.js", v) for v in scripts if v not in overlays), page
        for v in overlays:
            assert "<" not in (page.parent / v).read_text(encoding="utf-8"), v
        inline = [s for s in parsed.scripts if s.strip()]
        # inline data (the index's column table, each interactive figure's points) is JSON
        # with no "<" at all, so user text in it can neither close the script nor run
        data = [s for s in inline if _is_json(s)]
        assert all("<" not in s for s in data), page
        # the workbench's column table: a list of columns (a figure's "columns" is its width)
        columns = [s for s in data if isinstance(json.loads(s).get("columns"), list)]
        assert len(columns) == (1 if page == tmp_path / "site" / "index.html" else 0), page
        assert all(json.loads(s)["columns"] for s in columns), page
        code = [s for s in inline if s not in data]
        assert len(code) == (1 if page.name == "404.html" else 0), page
        assert not [s for s in code if "alert" in s or "XSS" in s], page
        assert parsed.event_handlers == [], page
        assert not [v for _, _, v in parsed.refs if v.lower().startswith("javascript:")], page
    # ...and the text itself is shown, not dropped
    text = "".join(parse(tmp_path / "site" / "runs" / "r0" / "index.html").text)
    assert "<script>alert(1)</script>" in text


def test_run_with_only_ambiguous_losses_builds_with_a_warning(runs_dir: Path, tmp_path: Path) -> None:
    # one loss per output head, told apart by a number: neither is the training loss, and they are
    # not terms of a total either (a GAN's d_loss + g_loss would be: test_roles_components.py)
    write_csv(runs_dir / "logs" / "gan.csv", {"step": [0, 1, 2, 3], "head0_loss": [1.0, 0.9, 0.8, 0.7], "head1_loss": [2.0, 1.5, 1.4, 1.3]})
    (runs_dir / "gan.yaml").write_text("name: gan\nlogs: logs/gan.csv\n", encoding="utf-8")
    report = build(runs_dir, tmp_path / "site")
    assert report.problems == () and report.runs == ("gan",)
    assert report.warnings == (
        ("run 'gan': 2 loss series (head0_loss, head1_loss) but none is clearly the training or validation loss; "
        "name them in the manifest, e.g. metrics: {train_loss: <name>, val_loss: <name>}"),
    )


def test_a_resumed_csv_with_sparse_validation_is_one_restart(runs_dir: Path, tmp_path: Path) -> None:
    # crashed after step 35, resumed from the step-30 checkpoint, the logger appending: train
    # loss repeats from step 31, the sparse validation loss only from step 32 (its first point
    # inside the overlap); that is one resume, not two
    rows = [(s, 1.0 / s, (2.0 / s) if s % 10 == 0 else None) for s in range(1, 36)]
    rows += [(s, 0.9 / s, (1.8 / s) if s % 10 == 0 else None) for s in range(31, 61)]
    # validation points inside the overlap too (steps 32 and 34, logged on both attempts)
    rows = [(s, t, v if v is not None else (2.5 / s if s in (32, 34) else None)) for s, t, v in rows]
    write_csv(runs_dir / "logs" / "r.csv", {
        "step": [r[0] for r in rows], "train_loss": [r[1] for r in rows], "val_loss": [r[2] for r in rows],
    })
    (runs_dir / "r.yaml").write_text("name: r\nlogs: logs/r.csv\n", encoding="utf-8")
    build(runs_dir, tmp_path / "site")
    summary = json.loads((tmp_path / "site" / "summary.json").read_text(encoding="utf-8"))
    restarts = [f for f in summary["runs"][0]["flags"] if f["kind"] == "restart"]
    assert [(f["step"], f["evidence"]["dropped"]) for f in restarts] == [(31, 5)]
    assert summary["runs"][0]["metrics"]["train_loss"]["points"] == 60


def test_summary_json_reusing_record_json_equals_encoding_it_whole() -> None:
    from reportgen.site.summary_json import dump_json, dump_summary, record_json

    def record(name: str, notes: str) -> dict:
        return {"name": name, "notes": notes, "metrics": {"loss": {"min": 0.5, "final": None}}, "tags": ["x"], "runs": []}

    def memo(known: dict[str, str], kept: dict[str, str]):
        # as build/incremental.py does: a record's JSON from an earlier build when it is the same record
        def encode(rec: dict) -> str:
            key = json.dumps(rec, sort_keys=True)
            kept[key] = known.get(key) or record_json(rec)
            return kept[key]

        return encode

    summary = {
        "title": "T",
        "runs": [record("a", "héllo\nworld \u2028"), record("b", 'quote " and {braces}')],
        "groups": [{"name": "g", "runs": []}],
        "datasets": [],
        "problems": [],
    }
    assert dump_summary(summary) == dump_json(summary)
    first: dict[str, str] = {}
    assert dump_summary(summary, memo({}, first)) == dump_json(summary)
    assert len(first) == 2
    edited = {**summary, "runs": [summary["runs"][0], record("b", "edited")]}
    again: dict[str, str] = {}
    assert dump_summary(edited, memo(first, again)) == dump_json(edited)
    assert set(again) & set(first) and set(again) != set(first)  # one record reused, one new
    # what the encoder returns is what lands in the file
    planted = dump_summary(edited, lambda rec: '{"planted": true}' if rec["name"] == "a" else record_json(rec))
    assert '"planted": true' in planted.decode("utf-8")
    assert dump_summary({**summary, "runs": []}, memo({}, {})) == dump_json({**summary, "runs": []})
