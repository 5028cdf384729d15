"""`--single-file`: one HTML file with every page, figure and style inside, no reference out."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from conftest import make_run
from sitecheck import parse

from reportgen.cli import main
from reportgen.output_paths import mark_single_file
from reportgen.single_file import make_single_file, page_id
from reportgen.writer import read_site

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def single(runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    make_run(runs_dir, "clean", group="g", tags=["base"], notes="See [the other run](https://example.org/x).\n\n![chart](https://example.invalid/chart.png)")
    make_run(runs_dir, "late", overfit=True, steps=400)
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "out/report.html"]) == 0
    return tmp_path / "out" / "report.html"


def test_everything_is_inside(single: Path) -> None:
    page = parse(single)
    assert [v for tag, _, v in page.refs if tag == "link"] == ["data:,"]  # styles inlined, no favicon request
    text = single.read_text(encoding="utf-8")
    assert "--fg:" in text  # the site's stylesheet, inlined
    ids = re.findall(r'\sid="([^"]*)"', text)
    assert len(ids) == len(set(ids)), "ids must stay unique across pages"
    # the notes' web image is blanked: the file makes no request
    assert "https://example.invalid/chart.png" in (single.parent.parent / "site" / "runs" / "clean" / "index.html").read_text(encoding="utf-8")
    assert "example.invalid" not in text
    images = [v for tag, attr, v in page.refs if tag == "img" and not v.startswith("data:image/gif;")]
    site = read_site(single.parent.parent / "site")
    assert len(images) == sum(1 for p in site if p.endswith(".png"))  # each figure, once
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    for tag, attr, value in page.refs:
        if tag == "a" and attr == "href" and value.startswith("#"):
            assert value[1:] in ids, value
        elif tag not in ("img", "link"):
            # only the note's own external link, or a download of summary.json, may remain
            assert value == "https://example.org/x" or value.startswith("data:application/json;base64,"), value


def test_links_between_pages_become_section_links(single: Path) -> None:
    refs = parse(single).refs
    assert ("a", "href", "#page-runs-clean") in refs
    assert ("a", "href", "#page-runs-late") in refs
    assert ("a", "href", "#page-index") in refs  # each run section leads back


def test_figures_match_the_site(single: Path) -> None:
    site = read_site(single.parent.parent / "site")
    text = single.read_text(encoding="utf-8")
    loss = base64.b64encode(site["runs/late/loss.png"]).decode("ascii")
    assert loss in text


def test_same_site_same_bytes(single: Path) -> None:
    site = read_site(single.parent.parent / "site")
    assert mark_single_file(make_single_file(site)) == single.read_bytes()
    assert make_single_file(site) == make_single_file(dict(reversed(list(site.items()))))


def test_page_ids() -> None:
    assert page_id("index.html") == "page-index"
    assert page_id("runs/a-b/index.html") == "page-runs-a-b"
    assert page_id("groups/x.html") == "page-groups-x"


def test_single_file_refuses_a_folder(single: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "out"]) == 1
    assert capsys.readouterr().err == "error: out: is a folder; give a file name such as report.html\n"
