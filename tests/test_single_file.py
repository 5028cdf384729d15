"""`--single-file`: one HTML file with every page, figure and style inside, no reference out."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from conftest import make_run
from sitecheck import parse

from reportgen.build import build
from reportgen.build.writer import read_site
from reportgen.cli import main
from reportgen.site.render import make_env
from reportgen.site.single_file import make_single_file, page_id

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
    # each figure (SVG) and thumbnail (PNG), once
    assert len(images) == sum(1 for p in site if p.endswith((".png", ".svg")) and not p.startswith("static/"))
    for src in images:
        kind, data = src.split(",", 1)
        assert kind in ("data:image/png;base64", "data:image/svg+xml;base64")
        assert base64.b64decode(data).startswith(PNG if kind == "data:image/png;base64" else b"<?xml")
    for tag, attr, value in page.refs:
        if tag == "a" and attr == "href" and value.startswith("#"):
            assert value[1:] in ids, value
        elif tag not in ("img", "link"):
            # only the note's own external link, a download of summary.json, or a run's overlay
            # data for the index workbench (loaded as a script from its data: URI) may remain
            assert value == "https://example.org/x" or value.startswith(
                ("data:application/json;base64,", "data:text/javascript;base64,")
            ), value


def test_links_between_pages_become_section_links(single: Path) -> None:
    refs = parse(single).refs
    assert ("a", "href", "#page-runs-clean") in refs
    assert ("a", "href", "#page-runs-late") in refs
    assert ("a", "href", "#page-index") in refs  # each run section leads back


def test_figures_match_the_site(single: Path) -> None:
    site = read_site(single.parent.parent / "site")
    text = single.read_text(encoding="utf-8")
    loss = base64.b64encode(site["runs/late/loss.svg"]).decode("ascii")
    assert loss in text


def test_same_site_same_bytes(single: Path) -> None:
    # a second build from the cache gives the same plan, so the same file
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "out/again.html"]) == 0
    assert (single.parent / "again.html").read_bytes() == single.read_bytes()


def test_rendered_from_the_site_templates(runs_dir: Path, tmp_path: Path) -> None:
    # the shell and each section come from base.html: the page's title, crumbs-free section with
    # a way back, its <main> content unchanged but for links, and one header and footer in all
    make_run(runs_dir, "solo", notes="A <b>bold</b> & careful run.")
    report = build(runs_dir, tmp_path / "site", jobs=1, cache=False)
    assert report.plan is not None
    site = read_site(tmp_path / "site")
    text = make_single_file(report.plan, make_env(), site).decode("utf-8")
    assert text.count("<header") == 1 and text.count("<footer") == 1 and text.count("<main") == 1
    assert "One self-contained file: this report works offline." in text
    assert '<section class="sf-page" id="page-runs-solo" aria-label="solo · Training report">' in text
    assert '<p class="sf-back"><a href="#page-index">← All runs</a></p>' in text
    page = site["runs/solo/index.html"].decode("utf-8")
    main_inner = page.split('<main id="main">\n', 1)[1].split("</main>", 1)[0]
    # the notes' escaped text passes through the tokenizer as it was rendered
    assert "A <b>bold</b> &amp; careful run." in main_inner
    assert "A <b>bold</b> &amp; careful run." in text
    assert "{{" not in text and "{%" not in text


def test_page_ids() -> None:
    assert page_id("index.html") == "page-index"
    assert page_id("runs/a-b/index.html") == "page-runs-a-b"
    assert page_id("groups/x.html") == "page-groups-x"


def test_single_file_refuses_a_folder(single: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "out"]) == 1
    assert capsys.readouterr().err == "error: out: is a folder; give a file name such as report.html\n"
