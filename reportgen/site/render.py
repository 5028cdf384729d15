"""Site plan and rendering: `plan_site` decides pages, links and navigation (pure); `render_page`
turns one planned page into HTML bytes with Jinja, `static_contents` gives the files copied as
they are. No disk writes, no cache: which pages need rendering again is build/'s business
(build/incremental.py). Every link is relative to the page (site/paths.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

import jinja2

from reportgen import __version__
from reportgen.analysis.glossary import glossary
from reportgen.errors import ReportgenError
from reportgen.manifest.slug import slugify
from reportgen.model import SiteConfig
from reportgen.site.formatting import (
    breakable,
    fmt_change,
    fmt_evidence,
    fmt_number,
    fmt_percent,
    render_notes,
)
from reportgen.site.paths import (
    GLOSSARY,
    INDEX,
    NOJEKYLL,
    NOT_FOUND,
    link,
    relative_root,
    run_page_path,
    static_path,
)
from reportgen.site.scripts import FIGURE_SCRIPTS, INDEX_SCRIPTS
from reportgen.site.templates_dir import templates_dir
from reportgen.site.workbench import plan_workbench


@dataclass(frozen=True)
class Page:
    path: str  # posix path inside the site, e.g. "runs/a/index.html"
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class SitePlan:
    title: str
    pages: tuple[Page, ...]
    static: tuple[str, ...]  # files under templates/static copied to static/
    built_at: str | None = None


def build_time(source_date_epoch: str | None) -> str | None:
    """The build date only when SOURCE_DATE_EPOCH gives one, so plain rebuilds stay identical."""
    if not source_date_epoch:
        return None
    try:
        stamp = int(source_date_epoch)
    except ValueError:
        return None
    return datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt_number
    env.filters["pct"] = fmt_percent
    env.filters["markdown"] = render_notes
    env.filters["change"] = fmt_change
    env.filters["breakable"] = breakable
    env.filters["evidence"] = fmt_evidence
    env.globals["figure_scripts"] = FIGURE_SCRIPTS
    env.globals["index_scripts"] = INDEX_SCRIPTS
    return env


def static_files() -> tuple[str, ...]:
    base = templates_dir() / "static"
    return tuple(sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()))


def plan_site(
    site: SiteConfig,
    records: list[dict[str, Any]],
    figures: dict[str, list[dict[str, Any]]],
    thumbs: dict[str, str],
    problems: list[ReportgenError],
    built_at: str | None = None,
    datasets: list[dict[str, Any]] | None = None,
    *,
    groups: Sequence[dict[str, Any]] = (),
    comparisons: Sequence[dict[str, Any]] = (),
    nav: dict[str, dict[str, Any]] | None = None,
    extra_pages: Sequence[Page] = (),
    sweeps: Sequence[dict[str, Any]] = (),
) -> SitePlan:
    """Pages of the site. `records` are summary records (see summary.run_record), `figures` maps a
    run name to its figure entries ({file, alt, width, height}), `thumbs` a run name to its
    thumbnail file. `groups` and `comparisons` are listed on the index, `nav` gives each run page
    its group and comparison links (see pages.run_navigation), `extra_pages` are added as given."""
    pages: list[Page] = []
    nav = nav or {}
    group_pages = {g["name"]: g["page"] for g in groups}
    index_rows = []
    by_epoch = all(rec["best"]["epoch"] is not None for rec in records if rec["best"])
    for rec in records:
        row = dict(rec)
        row["thumb"] = thumbs.get(rec["name"])
        row["group_page"] = group_pages.get(rec["group"]) if rec["group"] else None
        row["best_sort"] = best_sort_value(rec["best"], by_epoch)
        row["loss_role"] = _loss_role(rec)
        index_rows.append(row)
    problem_rows = [{"where": str(p.where), "key": p.key, "message": p.message} for p in problems]
    datasets = datasets or []
    choices = {
        "tags": sorted({t for r in records for t in r["tags"]}),
        "groups": sorted({r["group"] for r in records if r["group"]}),
        "flags": sorted({f["kind"] for r in records for f in r["flags"]}),
    }
    loss_roles = {_loss_role(rec) for rec in records} - {None}
    index = {"loss_header": "val loss" if loss_roles <= {"val_loss"} else "loss", "best_by_epoch": by_epoch,
             "runs": index_rows, "problems": problem_rows, "groups": list(groups), "comparisons": list(comparisons),
             "choices": choices, "datasets": datasets}
    index["sweeps"] = list(sweeps)  # site/sweep_pages.py: listed on the index
    index["workbench"] = plan_workbench(records)
    pages.append(Page(INDEX, "index.html", index))
    for rec in records:
        page = rec["page"]
        pages.append(
            Page(
                page,
                "run.html",
                {
                    "run": rec,
                    "figures": [dict(f, src=link(page, f["file"])) for f in figures.get(rec["name"], [])],
                    "nav": nav.get(rec["name"], {"group_page": None, "comparisons": []}),
                },
            )
        )
    for ds in datasets:
        page = ds["page"]
        pages.append(
            Page(
                page,
                "dataset.html",
                {
                    "dataset": ds,
                    "figure": dict(ds["figure"], src=link(page, ds["figure"]["file"])),
                    "run_links": [{"name": n, "href": link(page, run_page_path(slugify(n)))} for n in ds["runs"]],
                },
            )
        )
    pages.extend(extra_pages)
    # every flag chip links here (templates/macros.html flag_badges)
    pages.append(Page(GLOSSARY, "glossary.html", {"entries": [asdict(e) for e in glossary(site.analysis)]}))
    pages.append(Page(NOT_FOUND, "404.html", {}))
    return SitePlan(title=site.title, pages=tuple(pages), static=static_files(), built_at=built_at)


# Runs whose epoch is unknown sort after every run whose epoch is known, by step.
_STEP_ONLY = 1e15


def best_sort_value(best: Mapping[str, Any] | None, by_epoch: bool) -> float | str:
    """The index's sort key for a best position, in one unit: epochs when every run's epoch is
    known, else epochs first and then, after them, the runs known only by step."""
    if not best:
        return ""
    if best["epoch"] is not None:
        return best["epoch"]
    return best["step"] if by_epoch else _STEP_ONLY + best["step"]


def _loss_role(rec: Mapping[str, Any]) -> str | None:
    """The role of the loss the index shows for a run (as index.html picks it)."""
    return next((role for role in ("val_loss", "train_loss", "train_loss_epoch", "test_loss") if rec["roles"].get(role)), None)


def render_page(page: Page, plan: SitePlan, env: jinja2.Environment, **layout: Any) -> bytes:
    """`layout`: base.html's layout variables, for a page rendered other than as a site page
    (site/single_file.py renders each page as a section)."""
    template = env.get_template(page.template)
    html = template.render(
        site_title=plan.title,
        root=relative_root(page.path),
        page_path=page.path,
        version=__version__,
        built_at=plan.built_at,
        **layout,
        **page.context,
    )
    return html.encode("utf-8")


def static_contents(plan: SitePlan) -> dict[str, bytes]:
    """The files every site holds as they are: templates/static, and the marker GitHub Pages needs."""
    base = templates_dir() / "static"
    out = {static_path(name): (base / name).read_bytes() for name in plan.static}
    out[NOJEKYLL] = b""
    return out
