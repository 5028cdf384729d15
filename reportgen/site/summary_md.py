"""`summary.md`: a Markdown digest of a build for a pull-request comment or a CI job summary.

It must fit GitHub's limits (a comment body holds at most 65,536 characters, a job step summary
1 MiB), so rows are added in order of importance (runs with error flags, then warning flags, then
the rest) until the budget is spent, and a closing note says how many were left out.

Run names, tags, flag messages and problem text are user text shown on github.com: every piece is
escaped so it can neither break a table (`|`, newlines), nor become HTML (`<script>`), a link,
code (backticks) or an @-mention.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from reportgen.site.formatting import fmt_number

COMMENT_LIMIT = 65_536  # characters in a GitHub issue or pull-request comment
CELL_LIMIT = 80  # characters of user text per table cell, so one long name cannot eat the budget
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "|": "&#124;", "`": "&#96;", "~": "&#126;"}
# the backslash escapes both CommonMark (GitHub) and Python-Markdown understand
_PUNCT = set("\\*_{}[]()#+-.!")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def github_length(text: str) -> int:
    """Length as GitHub counts it: UTF-16 code units (never less than Python's len)."""
    return len(text.encode("utf-16-le")) // 2


def md_text(value: Any, limit: int | None = CELL_LIMIT) -> str:
    """User text as inert Markdown: one line, at most `limit` characters (cut with '…'), HTML
    specials and `|` as entities, Markdown punctuation backslash-escaped, and '@' followed by a
    zero-width space so a run called '@team' pings nobody."""
    text = _CONTROL.sub(" ", str(value)).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    out = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch == "@":
            out.append("@\u200b")
        elif ch in _PUNCT:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def page_url(page: str, site_url: str | None) -> str:
    """Where a run page is: absolute under `site_url` when given, else relative to summary.md."""
    path = quote(page, safe="/")
    if site_url:
        return quote(site_url.rstrip("/"), safe=":/%") + "/" + path
    return path


def _severity(record: dict[str, Any]) -> int:
    return min((SEVERITY_ORDER.get(f.get("severity"), 3) for f in record.get("flags", [])), default=4)


def _best_cells(record: dict[str, Any]) -> tuple[str, str, str]:
    best = record.get("best")
    if not best:
        return "—", "—", "—"
    metric = best.get("metric")
    where = (
        f"epoch {fmt_number(best['epoch'])}"
        if record.get("x") == "epoch" and best.get("epoch") is not None
        else f"step {best.get('step')}"
    )
    final = (record.get("metrics", {}).get(metric) or {}).get("final")
    # numbers and "step N" are ours (digits, '.', 'e', signs): no escaping needed
    return f"{md_text(metric, 40)} {fmt_number(best.get('value'))}", where, fmt_number(final)


def _flag_cell(record: dict[str, Any]) -> str:
    kinds = sorted({(SEVERITY_ORDER.get(f.get("severity"), 3), str(f.get("kind"))) for f in record.get("flags", [])})
    marks = {0: "🛑", 1: "⚠️", 2: "ℹ️"}
    return ", ".join(f"{marks.get(sev, '')} {md_text(kind, 40)}".strip() for sev, kind in kinds) or "—"


def run_row(record: dict[str, Any], site_url: str | None) -> str:
    name = md_text(record.get("name", ""))
    link = f"[{name}]({page_url(record['page'], site_url)})" if record.get("page") else name
    group = md_text(record.get("group") or "")
    best, where, final = _best_cells(record)
    return f"| {link} | {group} | {best} | {where} | {final} | {_flag_cell(record)} |"


def render_summary_md(
    summary: dict[str, Any],
    *,
    site_url: str | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The Markdown digest of a `summary.json` document (see summary.build_summary), at most
    `limit` characters as GitHub counts them."""
    runs: list[dict[str, Any]] = list(summary.get("runs", []))
    problems: list[dict[str, Any]] = list(summary.get("problems", []))
    flag_runs: dict[str, int] = {}
    for rec in runs:
        for kind in sorted({str(f.get("kind")) for f in rec.get("flags", [])}):
            flag_runs[kind] = flag_runs.get(kind, 0) + 1
    flagged = sum(1 for rec in runs if rec.get("flags"))

    head = [f"## {md_text(summary.get('title', 'Training report'), 120)}", ""]
    head.append(
        f"**{len(runs)} run{'s' if len(runs) != 1 else ''}**, {flagged} with findings"
        + (f", **{len(problems)} input problem{'s' if len(problems) != 1 else ''}**" if problems else "")
        + "."
    )
    if site_url:
        head.append(f"Full report: [{md_text(site_url, 200)}]({page_url('index.html', site_url)})")
    head.append("")
    if flag_runs:
        head += ["| Finding | Runs |", "| --- | ---: |"]
        head += [f"| {md_text(kind, 40)} | {count} |" for kind, count in sorted(flag_runs.items())]
        head.append("")

    # Each section is a list of lines offered in order; the budget decides how many fit.
    problem_lines = [
        f"- {md_text(p.get('where') or 'input', 120)}"
        + (f" {md_text(p['key'], 60)}" if p.get("key") else "")
        + f": {md_text(p.get('message', ''), 300)}"
        for p in problems
    ]
    order = sorted(range(len(runs)), key=lambda i: (_severity(runs[i]), i))
    rows = [run_row(runs[i], site_url) for i in order]
    table_head = ["| Run | Group | Best | at | Final | Findings |", "| --- | --- | ---: | --- | ---: | --- |"]

    def note(left_runs: int, left_problems: int) -> list[str]:
        parts = []
        if left_runs:
            parts.append(f"{left_runs} more run{'s' if left_runs != 1 else ''}")
        if left_problems:
            parts.append(f"{left_problems} more problem{'s' if left_problems != 1 else ''}")
        if not parts:
            return []
        return [
            "",
            (
                f"> **Note:** {' and '.join(parts)} not shown: this summary is kept under {limit:,} "
                "characters to fit a GitHub comment. The full list is in `summary.json` and on the "
                "report's index page."
            ),
        ]

    footer = ["", f"<sub>{md_text(summary.get('generator', 'reportgen'), 60)}</sub>", ""]
    reserve = github_length("\n".join(note(10**6, 10**6) + footer)) + 2

    lines = list(head)
    used = github_length("\n".join(lines))
    budget = limit - reserve

    def take(candidates: list[str], prefix: list[str]) -> int:
        nonlocal used
        if not candidates:
            return 0
        cost_prefix = github_length("\n".join(prefix)) + 1
        if used + cost_prefix + github_length(candidates[0]) + 1 > budget:
            return 0
        lines.extend(prefix)
        used += cost_prefix
        taken = 0
        for line in candidates:
            cost = github_length(line) + 1
            if used + cost > budget:
                break
            lines.append(line)
            used += cost
            taken += 1
        return taken

    shown_problems = take(problem_lines, ["### Input problems", ""])
    if shown_problems:
        lines.append("")
        used += 1
    if take(sweep_lines(summary.get("sweeps", []), site_url), ["### Sweeps", ""]):
        lines.append("")
        used += 1
    shown_runs = take(rows, ["### Runs", ""] + table_head)
    lines += note(len(rows) - shown_runs, len(problem_lines) - shown_problems)
    lines += footer
    return "\n".join(lines)


def sweep_lines(sweeps: list[dict[str, Any]], site_url: str | None) -> list[str]:
    """One line per sweep naming its best configuration (site/sweep_pages.py sweep_record)."""
    out = []
    for sweep in sweeps:
        name = md_text(sweep.get("name", ""), 80)
        link = f"[{name}]({page_url(sweep['page'], site_url)})" if sweep.get("page") else name
        best = sweep.get("best")
        objective = md_text(sweep.get("objective", {}).get("label", "objective"), 60)
        if not best:
            out.append(f"- {link}: no configuration with a healthy run")
            continue
        ci = (f" (95% CI {fmt_number(best.get('ci95_low'))}–{fmt_number(best.get('ci95_high'))}, {best.get('n')} runs)"
              if (best.get("n") or 0) >= 2 else " (one run)")
        mean = "geometric mean" if sweep.get("log_space") else "mean"
        out.append(f"- {link}: best {md_text(best.get('label', ''), 200)}, {mean} {objective} "
                   f"{fmt_number(best.get('mean'))}{ci}")
    return out
