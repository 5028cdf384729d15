"""Sweep pages in a real headless Chromium, as tests/test_browser_site.py checks the other pages:
from the sweep page every link and image resolves (file:// and http) with no console error,
axe-core finds no serious problem in light or dark, and hyper-parameter names and values full
of HTML/JS payloads stay text on a sweep page (they land in tables, headings and figure text)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from browser_support import AXE_JS, ROOT, crawl, http_site, need
from conftest import make_run
from test_browser_site import AXE_RUN, PAYLOADS, script_findings

from reportgen.cli import main

pytestmark = pytest.mark.browser

def only_sweep_tag(folder: Path) -> None:
    """Drop the tag `adam` from the copied manifests: alone, the sweep's runs are all of tag adam,
    and that comparison (first by name) would name the one sweep page over them."""
    for manifest in folder.glob("*/run.yaml"):
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(text.replace("tags: [adam, lr-x-batch]", "tags: [lr-x-batch]"), encoding="utf-8")


SWEEP = ROOT / "runs" / "sweep"
PAGE = "sweeps/lr-x-batch/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("sweep-site")
    shutil.copytree(SWEEP, work / "runs" / "sweep")
    only_sweep_tag(work / "runs" / "sweep")
    assert main(["build", str(work / "runs"), "-o", str(work / "site"), "-q"]) == 0
    assert (work / "site" / PAGE).is_file()
    return work / "site"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seeds of six settings whose hparam name and values are payloads: a sweep page."""
    work = tmp_path_factory.mktemp("sweep-hostile")
    runs = work / "runs"
    key = PAYLOADS[0]
    for i, payload in enumerate(PAYLOADS[:6]):
        for seed in range(2):
            path = make_run(runs, f"r{i}-{seed}")
            manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
            manifest.update(name=f"{payload} {i}/{seed}", group=PAYLOADS[1],
                            hparams={key: payload, "lr": [1e-3, 1e-2, 1e-1, 1.0, 3e-3, 3e-2][i], "seed": seed})
            path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    assert main(["build", str(runs), "-o", str(work / "site"), "-q"]) == 0
    return work / "site"


def test_links_and_images_of_the_sweep_page_resolve_from_file_and_http(chrome, site: Path) -> None:
    base = site.resolve().as_uri() + "/"
    problems, visited = crawl(chrome, base + PAGE, base)
    assert problems == []
    assert any(v.endswith("/runs/sweep-lr-1e-2-bs-32-seed-0/index.html") for v in visited)
    with http_site(site) as root:
        problems, _ = crawl(chrome, root + PAGE, root)
    assert problems == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_sweep_page_has_no_serious_accessibility_violation(chrome, site: Path, hostile: Path, scheme: str) -> None:
    need(AXE_JS, "axe-core (npm)")
    axe = AXE_JS.read_text(encoding="utf-8")
    chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    try:
        found = {}
        pages = [site / PAGE, *sorted((hostile / "sweeps").glob("*/index.html"))]
        for page in pages:
            chrome.get(page.resolve().as_uri())
            chrome.execute_script(axe)
            found[page.as_posix()] = chrome.execute_async_script(AXE_RUN)
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        chrome.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_colour_bars_name_the_swept_values_in_order(chrome, site: Path) -> None:
    chrome.get((site / PAGE).resolve().as_uri())
    bars = chrome.execute_script(
        "return Array.from(document.querySelectorAll('.colorbar.discrete')).map(b => b.textContent.trim().split(/\\s+/))")
    assert ["lr", "0.001", "0.003", "0.01", "0.03", "0.1", "1"] in bars


def test_payload_hparams_render_as_text_on_the_sweep_page(chrome, hostile: Path) -> None:
    pages = sorted((hostile / "sweeps").glob("*/index.html"))
    assert pages, "the hostile runs make a sweep"
    base = hostile.resolve().as_uri() + "/"
    problems = {p.name: script_findings(chrome, base + p.relative_to(hostile).as_posix()) for p in pages}
    assert {k: v for k, v in problems.items() if v} == {}
    chrome.get(pages[0].resolve().as_uri())
    text = chrome.find_element("tag name", "main").text
    assert PAYLOADS[0] in text and PAYLOADS[3] in text
