"""The site's own scripts come in parts (templates/static/figures/, templates/static/workbench/)
that run in one order: site/scripts.py lists it, the pages load it and the single-file report
inlines it. The parts share one namespace object per feature and make no other global."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from browser_support import need
from conftest import make_run
from sitecheck import parse

from reportgen.cli import main
from reportgen.site.scripts import FIGURE_SCRIPTS, INDEX_SCRIPTS, UPLOT, script_order
from reportgen.site.templates_dir import templates_dir

STATIC = templates_dir() / "static"
OURS = sorted(p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.js") if "vendor" not in p.parts)


def test_every_script_of_ours_is_loaded_by_a_page_and_every_listed_one_exists() -> None:
    listed = set(FIGURE_SCRIPTS + INDEX_SCRIPTS)
    assert sorted(listed - {UPLOT}) == OURS
    assert all((STATIC / name).is_file() for name in listed)
    # the part that starts comes after every part it uses, uPlot before anything that draws
    assert FIGURE_SCRIPTS[0] == UPLOT and FIGURE_SCRIPTS[-1] == "figures/start.js"
    assert INDEX_SCRIPTS.index("leaderboard.js") < INDEX_SCRIPTS.index(UPLOT) < INDEX_SCRIPTS.index("workbench/panels.js")
    assert INDEX_SCRIPTS[-1] == "workbench/start.js"


def test_script_order_is_the_pages_order_each_script_once_then_the_rest_by_name() -> None:
    static = ["style.css", "zz.js", "aa.js", *reversed(FIGURE_SCRIPTS + INDEX_SCRIPTS)]
    order = script_order(static)
    assert order == [*FIGURE_SCRIPTS, *(n for n in INDEX_SCRIPTS if n != UPLOT), "aa.js", "zz.js"]


@pytest.fixture
def built(runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    make_run(runs_dir, "alpha", group="g")
    make_run(runs_dir, "beta", group="g")
    assert main(["build", "runs", "-o", "site", "-q", "--single-file", "report.html"]) == 0
    return tmp_path


def _scripts(page: Path) -> list[str]:
    return [v for tag, attr, v in parse(page).refs if tag == "script" and attr == "src" and "overlay" not in v]


def test_pages_load_the_parts_in_order(built: Path) -> None:
    site = built / "site"
    assert _scripts(site / "runs" / "alpha" / "index.html") == [f"../../static/{n}" for n in FIGURE_SCRIPTS]
    assert _scripts(site / "groups" / "g" / "index.html") == [f"../../static/{n}" for n in FIGURE_SCRIPTS]
    assert _scripts(site / "index.html") == [f"static/{n}" for n in INDEX_SCRIPTS]


def test_the_single_file_inlines_every_script_once_in_the_pages_order(built: Path) -> None:
    text = (built / "report.html").read_text(encoding="utf-8")
    order = script_order(OURS + [UPLOT])
    # each part opens with its own comment: where it sits in the report is where it runs
    starts = [text.index((STATIC / name).read_text(encoding="utf-8")[:120]) for name in order]
    assert starts == sorted(starts)
    assert all(text.count((STATIC / name).read_text(encoding="utf-8")[:120]) == 1 for name in order)


# Runs the parts of one feature in node, in the pages' order, with `window` as the global object
# (as in a browser) and a page that holds no figure and no workbench: lists the globals they made.
NODE_GLOBALS = """
const vm = require("vm"), fs = require("fs");
const [names] = JSON.parse(process.argv[1]);
const page = { readyState: "loading", addEventListener() {}, getElementById() { return null; },
               querySelectorAll() { return []; } };
const context = vm.createContext({ document: page });
context.window = context;
const before = new Set(Object.keys(context));
for (const name of names) vm.runInContext(fs.readFileSync(name, "utf8"), context, { filename: name });
const made = Object.keys(context).filter(k => !before.has(k));
console.log(JSON.stringify(made.map(k => [k, Object.keys(context[k]).sort()])));
"""


@pytest.mark.parametrize(
    ("scripts", "namespace", "inside"),
    [
        (FIGURE_SCRIPTS[1:], "reportgenFigures", {"ema", "csv", "figures", "Figure"}),
        (INDEX_SCRIPTS[2:], "reportgenWorkbench", {"readState", "writeState", "showColumn", "load", "comparableSets", "drawPanel"}),
    ],
)
def test_the_parts_share_one_namespace_and_make_no_other_global(scripts: tuple[str, ...], namespace: str, inside: set[str]) -> None:
    node = shutil.which("node") or "/usr/bin/node"
    need(node, "node")
    paths = [str(STATIC / name) for name in scripts]
    out = subprocess.run(
        [node, "-e", NODE_GLOBALS, json.dumps([paths])],
        capture_output=True, text=True, timeout=60, check=True, env={**os.environ, "NODE_OPTIONS": ""},
    )
    made = dict(json.loads(out.stdout))
    assert list(made) == [namespace]
    assert inside <= set(made[namespace])
