"""`--single-file`: the whole site as one self-contained HTML file, for a CI artifact that is
opened straight from disk. Pure: the site plan and the built site's files in, one page's bytes out.

The report is rendered from the site's own templates: each page with base.html's "section"
layout (its <main> content inside a <section>), all of them inside single.html ("single" layout:
one shell, styles and scripts inline). CSS `:target` shows one section at a time, the index first.

What the templates cannot know is where a link leads in one file, so each section goes through an
HTML tokenizer (the standard library's parser, not patterns over the text) that rewrites its
attributes: links between pages become links to sections, images become data: URIs, web images
in run notes become a blank (the file makes no request at all). Ids of every page but the index
get the page's prefix, so the run pages' "flags-h" headings cannot collide; the index keeps its
own ids, so its scripts (e.g. the sortable leaderboard) still find their table.
"""

from __future__ import annotations

import base64
import html
import posixpath
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup

from reportgen import __version__
from reportgen.site.paths import static_path
from reportgen.site.render import SitePlan, render_page
from reportgen.site.scripts import script_order

MIME = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".json": "application/json",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".css": "text/css",
    ".js": "text/javascript",
    ".txt": "text/plain",
}
BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
IDREF_ATTRS = ("aria-labelledby", "aria-describedby", "aria-controls", "for", "headers", "list")
REF_ATTRS = ("href", "src", "poster", "srcset")  # srcset: one URL, a figure's SVG (templates/macros.html)

SINGLE_CSS = """
/* single file: one page at a time; the index unless a link points elsewhere */
.sf-page { display: none; }
.sf-page:target, .sf-page:has(:target) { display: block; }
body:not(:has(.sf-page:target, .sf-page :target)) #page-index { display: block; }
.sf-back { margin: 0.5rem 0 0; font-size: 0.92rem; }
@media print { .sf-page { display: block !important; break-before: page; } .sf-back { display: none; } }
"""


def data_uri(path: str, data: bytes) -> str:
    ext = posixpath.splitext(path)[1].lower()
    return f"data:{MIME.get(ext, 'application/octet-stream')};base64,{base64.b64encode(data).decode('ascii')}"


def page_id(path: str) -> str:
    """"index.html" -> "page-index", "runs/a/index.html" -> "page-runs-a", "x/y.html" -> "page-x-y"."""
    stem = path[: -len("/index.html")] if path.endswith("/index.html") else path.removesuffix(".html")
    return "page-" + re.sub(r"[^A-Za-z0-9_-]+", "-", stem)


def _resolve(page: str, ref: str) -> tuple[str | None, str]:
    """(site path or None when the reference leaves the site, fragment)."""
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or ref.startswith("/"):
        return None, ""
    if not parts.path:
        return page, parts.fragment
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
    if target.endswith("/") or target == ".":
        target = posixpath.join(target, "index.html")
    return target, parts.fragment


class _Sections:
    """Where each page's section is, and what a reference from one page becomes in the file."""

    def __init__(self, files: Mapping[str, bytes], pages: list[str]) -> None:
        self.files = files
        self.ids = {p: page_id(p) for p in pages}

    def anchor(self, page: str, fragment: str) -> str:
        pid = self.ids[page]
        if not fragment:
            return pid
        return fragment if page == "index.html" else f"{pid}--{fragment}"

    def reference(self, page: str, attr: str, ref: str) -> str:
        target, fragment = _resolve(page, ref)
        if target is None and attr != "href" and not ref.startswith("data:"):
            return BLANK_IMAGE  # an image from the web in a run's notes: no request at all
        if target is None:
            return ref  # leaves the site: a link the reader may follow, not a load
        if target in self.ids:
            return "#" + self.anchor(target, fragment)
        if target in self.files:
            return data_uri(target, self.files[target])
        return ref  # unresolvable: left as it was, so a link checker still sees it


class _SectionRewriter(HTMLParser):
    """Copies one rendered section token by token, rewriting ids and references in its tags."""

    def __init__(self, sections: _Sections, page: str) -> None:
        super().__init__(convert_charrefs=False)  # text and entities pass through untouched
        self.sections = sections
        self.page = page
        self.prefix = "" if page == "index.html" else sections.ids[page] + "--"
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, "/"))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], slash: str) -> str:
        parts = [tag]
        target = ""
        for name, value in attrs:
            if value is None:
                parts.append(name)
                continue
            if name == "id" and self.prefix and value != self.sections.ids[self.page]:
                value = self.prefix + value  # the section's own id (base.html) is unique already
            elif name in IDREF_ATTRS and self.prefix:
                value = " ".join(self.prefix + v for v in value.split())
            elif name in REF_ATTRS:
                target = value
                value = self.sections.reference(self.page, name, value)
            parts.append(f'{name}="{html.escape(value)}"')
        if tag == "a" and any(p.startswith('href="data:') for p in parts) and "download" not in dict(attrs):
            # a link to a data file (summary.json) becomes a download: browsers refuse to
            # navigate to a data: URL
            name = posixpath.basename(_resolve(self.page, target)[0] or "file")
            parts.append(f'download="{html.escape(name)}"')
        return f"<{' '.join(parts)}{slash}>"


def _inline(text: str, tag: str) -> Markup:
    """Our own stylesheet or script, safe inside its element (no early closing tag)."""
    return Markup(text.replace(f"</{tag}", f"<\\/{tag}"))


def make_single_file(plan: SitePlan, env: jinja2.Environment, files: Mapping[str, bytes]) -> bytes:
    """One self-contained HTML document holding every page of `plan` (but the 404 page).
    `files` is the built site (path -> bytes): the figures, data files and static assets the
    pages refer to come from it."""
    pages = [p for p in plan.pages if p.path != "404.html"]
    pages.sort(key=lambda p: (p.path != "index.html", p.path))
    sections = _Sections(files, [p.path for p in pages])
    rendered = []
    for page in pages:
        text = render_page(page, plan, env, layout="section", section_id=sections.ids[page.path])
        rewriter = _SectionRewriter(sections, page.path)
        rewriter.feed(text.decode("utf-8"))
        rewriter.close()
        rendered.append(Markup("".join(rewriter.out)))
    static = sorted(static_path(name) for name in plan.static)
    styles = [_inline(files[p].decode("utf-8"), "style") for p in static if p.endswith(".css")]
    # in the order the pages load them: a part of the figures or the workbench uses an earlier one
    scripts = [_inline(files[static_path(name)].decode("utf-8"), "script") for name in script_order(plan.static)]
    shell = env.get_template("single.html").render(
        layout="single",
        site_title=plan.title,
        version=__version__,
        built_at=plan.built_at,
        root="",
        page_path="",
        sections=rendered,
        styles=[*styles, Markup(SINGLE_CSS)],
        scripts=scripts,
    )
    return shell.encode("utf-8")
