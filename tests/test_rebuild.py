"""Rebuilds reuse what the last build made: pages rendered from the same inputs are not rendered
again, files the previous site holds unchanged are linked into the new one, and cache entries
are read only as far as needed. Whatever is reused, the site equals a cold build's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import make_run

import reportgen.build.incremental
from reportgen.build import build
from reportgen.build.cache import RunCache, cache_dir_for
from reportgen.build.last_build import FILE


def site_bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def cold_site(runs: Path, tmp_path: Path) -> dict[str, bytes]:
    cold = tmp_path / "cold"
    build(runs, cold, jobs=1, cache=False)
    return site_bytes(cold)


@pytest.fixture
def three(runs_dir: Path) -> Path:
    for name in ("a", "b", "c"):
        make_run(runs_dir, name, group="g", notes=f"run {name}")
    return runs_dir


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the pages rendered, in order."""
    seen: list[str] = []
    real = reportgen.build.incremental.render_page

    def counting(page, plan, env) -> bytes:
        seen.append(page.path)
        return real(page, plan, env)

    monkeypatch.setattr(reportgen.build.incremental, "render_page", counting)
    return seen


def test_only_pages_whose_inputs_changed_are_rendered(three: Path, tmp_path: Path, rendered: list[str]) -> None:
    out = tmp_path / "site"
    build(three, out, jobs=1)
    assert "index.html" in rendered and "runs/a/index.html" in rendered
    rendered.clear()
    build(three, out, jobs=1)
    assert rendered == []
    manifest = three / "c.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("run c", "run c, edited"), encoding="utf-8")
    build(three, out, jobs=1)
    # the index lists every record (notes included); group and comparison pages show no notes
    assert sorted(rendered) == ["index.html", "runs/c/index.html"]
    rendered.clear()
    assert site_bytes(out) == cold_site(three, tmp_path)


def test_files_kept_from_the_previous_site_equal_a_cold_build(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(three, out, jobs=1)
    build(three, out, jobs=1)  # from here on the replaced site is kept and refilled
    inodes = {p: p.stat().st_ino for p in out.rglob("*.svg")}
    with open(three / "logs" / "b.csv", "a", encoding="utf-8") as fh:
        fh.write("200,0.1,0.2\n")
    build(three, out, jobs=1)
    kept = [p for p, ino in inodes.items() if p.exists() and p.stat().st_ino == ino]
    assert out / "runs" / "a" / "loss.svg" in kept  # unchanged run: its figure is linked
    assert out / "runs" / "b" / "loss.svg" not in kept  # new data: drawn again
    assert site_bytes(out) == cold_site(three, tmp_path)


def test_site_files_removed_or_edited_by_hand_are_restored(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(three, out, jobs=1)
    (out / "runs" / "a" / "loss.svg").unlink()
    (out / "runs" / "b" / "index.html").unlink()
    index = out / "index.html"
    before = index.stat().st_mtime_ns
    index.write_bytes(b"<p>edited by hand</p>")
    os.utime(index, ns=(before + 1, before + 1))
    build(three, out, jobs=1)
    assert site_bytes(out) == cold_site(three, tmp_path)


def test_a_damaged_image_the_site_lacks_rebuilds_its_run(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(three, out, jobs=1)
    cache = RunCache(cache_dir_for(out))
    damaged = 0
    for path in sorted(cache_dir_for(out).glob("*/*.bin")):
        entry = cache.open(path.stem)
        blob = entry.blobs.get(("images", "runs/a/loss.svg")) if entry else None
        if blob is not None:
            data = bytearray(path.read_bytes())
            data[blob.offset] ^= 0xFF
            path.write_bytes(bytes(data))
            damaged += 1
    assert damaged == 1
    (out / "runs" / "a" / "loss.svg").unlink()
    report = build(three, out, jobs=1)
    assert report.cached == 2
    assert site_bytes(out) == cold_site(three, tmp_path)


@pytest.mark.parametrize("damage", [b"", b"garbage", None], ids=["empty", "garbage", "missing"])
def test_a_damaged_record_of_the_last_build_only_costs_time(three: Path, tmp_path: Path, damage) -> None:
    out = tmp_path / "site"
    build(three, out, jobs=1)
    record = cache_dir_for(out) / FILE
    assert record.is_file()
    if damage is None:
        record.unlink()
    else:
        record.write_bytes(damage)
    report = build(three, out, jobs=1)
    assert report.cached == 3 and report.cross_cached
    assert site_bytes(out) == cold_site(three, tmp_path)


def test_a_changed_log_redraws_only_its_own_group_and_comparison_figures(
    runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, group in (("a", "g1"), ("b", "g1"), ("c", "g2"), ("d", "g2")):
        make_run(runs_dir, name, group=group)
    drawn: list[list] = []
    real = reportgen.build.incremental.draw_many

    def counting(specs):
        drawn.append(list(specs))
        return real(specs)

    monkeypatch.setattr(reportgen.build.incremental, "draw_many", counting)
    out = tmp_path / "site"
    build(runs_dir, out, jobs=1)
    everything = sum(len(batch) for batch in drawn)
    drawn.clear()
    make_run(runs_dir, "c", group="g2", steps=260)  # new contents (train and validation) for one run of g2
    build(runs_dir, out, jobs=1)
    redrawn = [spec for batch in drawn for spec in batch]
    assert 0 < len(redrawn) < everything
    assert len(redrawn) * 2 == everything  # g2's figures only: both groups draw as many
    monkeypatch.undo()
    assert site_bytes(out) == cold_site(runs_dir, tmp_path)
