"""summary.md: a Markdown digest that fits a GitHub comment and never lets user text turn into
markup (checked by rendering it with a real Markdown renderer)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import markdown
from conftest import make_run

from reportgen.build import build
from reportgen.site.summary_md import COMMENT_LIMIT, github_length, md_text, render_summary_md

SAFE_TAGS = {"h2", "h3", "p", "strong", "sub", "table", "thead", "tbody", "tr", "th", "td", "a", "ul", "li", "blockquote", "em"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells_per_row: list[int] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.cells_per_row.append(0)
        if tag in ("td", "th"):
            self.cells_per_row[-1] += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(md: str) -> Tags:
    parser = Tags()
    parser.feed(markdown.markdown(md, extensions=["tables"]))
    return parser


def record(name: str, i: int = 0, flags: tuple[str, ...] = (), severity: str = "warning") -> dict:
    return {
        "name": name,
        "page": f"runs/r{i}/index.html",
        "group": "g",
        "x": "step",
        "best": {"metric": "val_loss", "role": "val_loss", "value": 0.25 + i * 1e-4, "step": 100 + i, "epoch": None},
        "metrics": {"val_loss": {"final": 0.3}},
        "flags": [{"kind": k, "severity": severity, "message": "m"} for k in flags],
    }


HOSTILE = [
    "a|b|c",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`code` and ``more``",
    "line\nbreak\r\nand\ttab",
    "[link](javascript:alert(1))",
    "**bold** _it_ # head",
    "@octocat please look",
    "&lt;already escaped&gt;",
    "\\|",
]


def test_hostile_names_stay_plain_text_in_one_cell() -> None:
    summary = {"title": "<b>t</b>", "runs": [record(n, i) for i, n in enumerate(HOSTILE)], "problems": []}
    md = render_summary_md(summary)
    html = rendered(md)
    assert set(html.tags) <= SAFE_TAGS, set(html.tags) - SAFE_TAGS
    # header row, then one row per run, each with exactly the six columns
    assert html.cells_per_row == [6] * (1 + len(HOSTILE))
    text = "".join(html.text)
    for name in HOSTILE[:4]:
        assert name in text, name
    assert "line break and tab" in text
    assert "@octocat" not in text  # a zero-width space stops the mention
    assert "&lt;already escaped&gt;" in text  # shown as typed, not decoded


def test_md_text_cuts_long_text() -> None:
    assert md_text("x" * 500, 10) == "x" * 9 + "…"
    assert md_text("a.b") == "a\\.b"


def test_thousand_runs_fit_a_pr_comment_with_a_note() -> None:
    runs = [record(f"run-{i:04d}-" + "ü" * 30, i) for i in range(1000)]
    runs[700]["flags"] = [{"kind": "divergence", "severity": "error", "message": "nan"}]
    summary = {"title": "Big sweep", "runs": runs, "problems": [{"where": "runs/x.yaml:1", "key": None, "message": "bad"}]}
    md = render_summary_md(summary)
    assert github_length(md) <= COMMENT_LIMIT
    assert len(md.encode("utf-8")) < 1024 * 1024
    rows = [line for line in md.splitlines() if line.startswith("| [")]
    assert 100 < len(rows) < 1000
    assert rows[0].startswith("| [run\\-0700")  # the run with an error flag comes first
    assert f"> **Note:** {1000 - len(rows)} more runs not shown" in md
    assert "runs/x\\.yaml:1: bad" in md


def test_limit_is_respected_at_any_size() -> None:
    runs = [record(f"r{i}", i, flags=("overfitting",)) for i in range(200)]
    for limit in (1500, 3000, 10_000):
        md = render_summary_md({"title": "t", "runs": runs, "problems": []}, limit=limit)
        assert github_length(md) <= limit
        assert "more runs not shown" in md


def test_small_build_has_no_note_and_links_follow_site_url() -> None:
    md = render_summary_md({"title": "t", "runs": [record("a")], "problems": []}, site_url="https://u.github.io/repo/")
    assert "not shown" not in md
    assert "[a](https://u.github.io/repo/runs/r0/index.html)" in md
    assert "Full report: [https://u\\.github\\.io/repo/](https://u.github.io/repo/index.html)" in md


def test_every_build_writes_summary_md(runs_dir: Path, tmp_path: Path) -> None:
    make_run(runs_dir, "fine")
    make_run(runs_dir, "late", overfit=True, steps=400)
    build(runs_dir, tmp_path / "site")
    md = (tmp_path / "site" / "summary.md").read_text(encoding="utf-8")
    assert "**2 runs**" in md
    assert "| [fine](runs/fine/index.html) | " in md
    late = next(line for line in md.splitlines() if line.startswith("| [late]"))
    assert "overfitting" in late
