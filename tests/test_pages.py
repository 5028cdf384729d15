"""Group and comparison pages, the leaderboard and navigation, checked on built sites."""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from conftest import exp_curve, make_run
from numpy.testing import assert_allclose
from sitecheck import broken_refs, parse

from reportgen.build import build


def text_of(page: Path) -> str:
    return " ".join(" ".join(parse(page).text).split())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seeds of different lengths in one group, and a two-run tag with differing hparams."""
    root = tmp_path_factory.mktemp("pages")
    runs = root / "runs"
    runs.mkdir()
    make_run(runs, "s0", steps=200, group="seeds", tags=["base"], hparams={"lr": 0.1, "seed": 0, "depth": 4})
    make_run(runs, "s1", steps=200, group="seeds", hparams={"lr": 0.1, "seed": 1, "depth": 4})
    make_run(runs, "s2", steps=120, group="seeds", hparams={"lr": 0.1, "seed": 2, "depth": 4})
    make_run(runs, "wide", steps=200, overfit=True, tags=["base"], hparams={"lr": 0.3, "seed": 0, "depth": 4, "width": 64})
    (runs / "reportgen.yaml").write_text(
        "title: Pages\ncompare:\n  - name: Seeds and wide\n    runs: ['s*', wide]\n", encoding="utf-8"
    )
    report = build(runs, root / "site")
    assert report.problems == ()
    return root / "site"


def test_group_page_shows_runs_with_data_per_step(site: Path) -> None:
    page = site / "groups" / "seeds" / "index.html"
    text = text_of(page)
    assert "Group “seeds”" in text or "Group seeds" in text
    # validation loss is logged at steps 9, 19, ...; s2 stops at 119, the others at 199
    assert "val loss band needs 3 runs 9 119 3 129 199 2 (no mean, no band)" in text
    assert "train loss band needs 3 runs 0 119 3 120 199 2 (no mean, no band)" in text
    refs = parse(page).refs
    for fig in ("group-val-loss.svg", "group-train-loss.svg", "group-final.svg"):
        assert ("img", "src", fig) in refs
        assert (page.parent / fig).read_bytes().startswith(b"<?xml")
    for run in ("s0", "s1", "s2"):
        assert ("a", "href", f"../../runs/{run}/index.html") in refs
    assert ("a", "href", "../../compare/group-seeds/index.html") in refs


def test_summary_json_groups_match_independent_statistics(site: Path) -> None:
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    (group,) = summary["groups"]
    assert group["name"] == "seeds" and group["runs"] == ["s0", "s1", "s2"]
    assert group["page"] == "groups/seeds/index.html"
    stats = {s["key"]: s for s in group["stats"]}
    # the last validation point of each run, from the curve make_run wrote
    finals = np.array([exp_curve(np.array(199.0), c=0.3), exp_curve(np.array(199.0), c=0.3), exp_curve(np.array(119.0), c=0.3)])
    final = stats["final_val_loss"]
    assert final["n"] == 3 and final["excluded"] == 0
    assert_allclose(final["mean"], finals.mean(), rtol=1e-9)
    assert_allclose(final["std"], finals.std(ddof=1), rtol=1e-9)
    half = 4.302652729911275 * finals.std(ddof=1) / np.sqrt(3)  # t(0.975, df=2)
    assert_allclose([final["ci95_low"], final["ci95_high"]], [finals.mean() - half, finals.mean() + half], rtol=1e-9)
    assert_allclose([final["min"], final["max"]], [finals.min(), finals.max()], rtol=1e-12)
    assert final["values"] == pytest.approx({"s0": finals[0], "s1": finals[1], "s2": finals[2]})
    assert group["coverage"]["val_loss"]["segments"] == [{"first": 9, "last": 119, "n": 3}, {"first": 129, "last": 199, "n": 2}]


def test_comparison_hparams_table_lists_only_differing_keys(site: Path) -> None:
    page = site / "compare" / "seeds-and-wide" / "index.html"
    html = page.read_text(encoding="utf-8")
    table = html.split('class="metrics hparams-diff"', 1)[1].split("</table>", 1)[0]
    header = table.split("</thead>", 1)[0]
    assert [h.split("</code>")[0] for h in header.split("<code>")[1:]] == ["lr", "seed", "width"]
    shared = html.split("shared by all runs", 1)[1].split("</details>", 1)[0]
    assert "<code>depth</code>" in shared and "<code>lr</code>" not in shared
    assert table.count("not set") == 3  # width is only set for `wide`
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    declared = [c for c in summary["comparisons"] if c["kind"] == "declared"]
    assert declared[0]["differing_hparams"] == ["lr", "seed", "width"]


def test_comparison_ranks_runs_by_best_validation_loss(site: Path) -> None:
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in summary["runs"]}
    comp = next(c for c in summary["comparisons"] if c["name"] == "Seeds and wide")
    best = [by_name[r]["metrics"]["val_loss"]["min"] for r in comp["runs"]]
    assert sorted(comp["runs"]) == ["s0", "s1", "s2", "wide"]
    assert best == sorted(best)
    assert [(c["name"], c["kind"], c["page"]) for c in summary["comparisons"]] == [
        ("Seeds and wide", "declared", "compare/seeds-and-wide/index.html"),
        ("seeds", "group", "compare/group-seeds/index.html"),
        ("base", "tag", "compare/tag-base/index.html"),
    ]


def _links(site: Path, page: str) -> set[str]:
    out = set()
    for tag, _attr, value in parse(site / page).refs:
        path = urlsplit(value).path
        if tag == "a" and path.endswith(".html"):
            out.add(posixpath.normpath(posixpath.join(posixpath.dirname(page), path)))
    return out


def test_every_page_is_two_clicks_from_the_index_and_links_resolve(site: Path) -> None:
    assert broken_refs(site) == []
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")} - {"404.html"}
    one = _links(site, "index.html")
    two = set().union(*(_links(site, p) for p in one))
    assert pages - ({"index.html"} | one | two) == set()
    # group and comparison pages are one click away
    assert {"groups/seeds/index.html", "compare/group-seeds/index.html", "compare/tag-base/index.html"} <= one


def test_run_pages_link_to_their_group_and_comparisons_and_back(site: Path) -> None:
    links = _links(site, "runs/s2/index.html")
    assert {"index.html", "groups/seeds/index.html", "compare/seeds-and-wide/index.html",
            "compare/group-seeds/index.html"} <= links
    assert "compare/tag-base/index.html" not in links  # s2 has no tag
    crumbs = parse(site / "runs" / "s2" / "index.html").text
    assert "Group seeds" in "".join(crumbs)
    assert "index.html" in _links(site, "groups/seeds/index.html")
    assert "index.html" in _links(site, "compare/tag-base/index.html")


def test_index_leaderboard_is_sortable_and_filterable_without_losing_rows(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    parsed = parse(site / "index.html")
    assert ("script", "src", "static/leaderboard.js") in parsed.refs
    js = (site / "static" / "leaderboard.js").read_text(encoding="utf-8")
    assert "aria-sort" in js and "data-filter" in js
    assert html.count('data-sort="num"') == 5 and html.count('data-sort="text"') == 3  # every column
    # without JS: every run is in the table, none hidden
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr ") == 4 and " hidden" not in body
    assert '<form class="filters" id="runs-filters" hidden>' in html  # shown by the script only
    for option in ('<option value="base">base</option>', '<option value="seeds">seeds</option>'):
        assert option in html
    # the filter offers only kinds some run has (s2 stops at step 119 while its loss, 2 e^(-t/100),
    # still falls steeply: still_improving), so no choice can only empty the table
    assert '<option value="still_improving">still_improving</option></select>' in html


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("CI needs a headless chromium to run the leaderboard script")
    pytest.skip("no chromium on this machine to run the leaderboard script")


def test_leaderboard_script_sorts_filters_and_pages_in_a_browser(site: Path, tmp_path: Path) -> None:
    browser = _chromium()
    page = site / "index.html"
    probe = """<script>
(function () {
  var out = [];
  function names() { return Array.prototype.filter.call(document.querySelectorAll("#runs-table tbody tr"),
    function (r) { return !r.hidden; }).map(function (r) { return r.cells[0].querySelector("a").textContent.trim(); }).join(","); }
  var best = document.querySelectorAll("#runs-table thead th")[3].querySelector("button");
  best.click(); out.push(names());
  best.click(); out.push(names());
  var tag = document.querySelector('select[data-filter="tags"]');
  tag.value = "base"; tag.dispatchEvent(new Event("change", {bubbles: true})); out.push(names());
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = out.join("|");
  document.body.appendChild(pre);
})();
</script>"""
    harness = site / "probe.html"
    harness.write_text(page.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8")
    try:
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", harness.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        harness.unlink()
    dom = result.stdout
    assert 'id="probe"' in dom, result.stderr[-2000:]
    ascending, descending, filtered = dom.split('id="probe">', 1)[1].split("</pre>", 1)[0].split("|")
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    best = {r["name"]: r["metrics"]["val_loss"]["min"] for r in summary["runs"]}
    expected = sorted(best, key=lambda n: (best[n], n))
    assert ascending.split(",") == expected
    # ties (s0 and s1 are the same curve) keep name order in both directions
    assert descending.split(",") == sorted(best, key=lambda n: (-best[n], n))
    assert sorted(filtered.split(",")) == ["s0", "wide"]


def test_bad_compare_declarations_are_build_problems_with_file_and_line(
    runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_run(runs_dir, "a", tags=["x"])
    make_run(runs_dir, "b", tags=["x"])
    (runs_dir / "reportgen.yaml").write_text(
        "compare:\n  - name: ok\n    runs: [a, b]\n  - name: typo\n    runs: [a, nope]\n  - runs: [a]\n",
        encoding="utf-8",
    )
    report = build(runs_dir, tmp_path / "site")
    # a malformed declaration is found when reportgen.yaml is read, before the runs are matched
    assert [p.format_message() for p in report.problems] == [
        "runs/reportgen.yaml:6:5: compare[2]: every comparison needs a name",
        "runs/reportgen.yaml:5:15: compare[1].runs[1]: comparison 'typo': no run named 'nope'",
    ]
    # the good declaration and the partly good one still get their pages
    assert (tmp_path / "site" / "compare" / "ok" / "index.html").is_file()
    assert (tmp_path / "site" / "compare" / "typo" / "index.html").is_file()
    assert "no run named" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
