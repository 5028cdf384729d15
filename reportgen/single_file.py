"""`--single-file`: the whole built site as one self-contained HTML file, for a CI artifact that
is opened straight from disk. Pure: site files (path -> bytes) in, one page's bytes out.

Every page's <main> becomes a <section> of one document; links between pages become links to
those sections (CSS `:target` shows one at a time, the index first), images become data: URIs,
and stylesheets and scripts are inlined, so the file makes no request at all. Ids of every page
but the index get the page's prefix, so the run pages' "flags-h" headings cannot collide; the
index keeps its own ids, so its scripts (e.g. the sortable leaderboard) still find their table.

This works on reportgen's own generated HTML, whose attribute values are always quoted and
escaped (user text can never produce a raw `"` or `>` there), which is what makes the attribute
rewriting below safe.
"""

from __future__ import annotations

import base64
import html
import posixpath
import re
from urllib.parse import unquote, urlsplit

from reportgen import __version__

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
ID_ATTRS = ("id",)
IDREF_ATTRS = ("aria-labelledby", "aria-describedby", "aria-controls", "for", "headers", "list")
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*?)?(/?)>")
_ATTR = re.compile(r'(\s)([a-zA-Z_:][a-zA-Z0-9_:.-]*)="([^"]*)"')
_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL)
_STYLESHEET = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*>")
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")

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


class _Rewriter:
    def __init__(self, files: dict[str, bytes], pages: list[str]):
        self.files = files
        self.ids = {p: page_id(p) for p in pages}

    def anchor(self, page: str, fragment: str) -> str:
        pid = self.ids[page]
        if not fragment:
            return pid
        return fragment if page == "index.html" else f"{pid}--{fragment}"

    def rewrite(self, page: str, body: str) -> str:
        own = self.ids[page]
        keep_ids = page == "index.html"

        def attr(match: re.Match[str], tag: str) -> str:
            space, name, value = match.groups()
            lname = name.lower()
            if lname in ID_ATTRS and not keep_ids:
                value = f"{own}--{value}"
            elif lname in IDREF_ATTRS and not keep_ids:
                value = " ".join(f"{own}--{v}" for v in value.split())
            elif lname in ("href", "src", "poster"):
                value = self.reference(page, tag, lname, html.unescape(value))
            return f'{space}{name}="{value}"'

        def tag(match: re.Match[str]) -> str:
            name, attrs, slash = match.group(1), match.group(2) or "", match.group(3)
            attrs = _ATTR.sub(lambda m: attr(m, name.lower()), attrs)
            if name.lower() == "a" and ' href="data:' in attrs and " download=" not in attrs:
                # a link to a data file (summary.json) becomes a download: browsers refuse to
                # navigate to a data: URL
                target = _resolve(page, html.unescape(_link_of(match.group(0))))[0] or "file"
                attrs += f' download="{html.escape(posixpath.basename(target))}"'
            return f"<{name}{attrs}{slash}>"

        return _TAG.sub(tag, body)

    def reference(self, page: str, tag: str, attr: str, ref: str) -> str:
        target, fragment = _resolve(page, ref)
        if target is None and attr != "href" and not ref.startswith("data:"):
            # an image from the web in a run's notes: the file must make no request at all
            return BLANK_IMAGE
        if target is None:
            return html.escape(ref)  # leaves the site: a link the reader may follow, not a load
        if target in self.ids:
            return "#" + html.escape(self.anchor(target, fragment))
        if target in self.files:
            return data_uri(target, self.files[target])
        return html.escape(ref)  # unresolvable: left as it was, so a link checker still sees it


def _link_of(tag_text: str) -> str:
    found = re.search(r'\shref="([^"]*)"', tag_text)
    return found.group(1) if found else ""


def _inline_css(files: dict[str, bytes], css_path: str) -> str:
    text = files[css_path].decode("utf-8")

    def url(match: re.Match[str]) -> str:
        ref = match.group(2)
        target, _ = _resolve(css_path, ref)
        if target is None or target not in files:
            return match.group(0)
        return f'url("{data_uri(target, files[target])}")'

    return _CSS_URL.sub(url, text).replace("</style", "<\\/style")


def make_single_file(files: dict[str, bytes], title: str | None = None) -> bytes:
    """One self-contained HTML document holding every page of the site in `files`."""
    pages = sorted(p for p in files if p.endswith(".html") and posixpath.basename(p) != "404.html")
    if "index.html" in pages:
        pages.remove("index.html")
        pages.insert(0, "index.html")
    rewriter = _Rewriter(files, pages)
    styles: list[str] = []
    scripts: list[str] = []
    sections: list[str] = []
    site_title = title
    for page in pages:
        text = files[page].decode("utf-8")
        head, _, _rest = text.partition("<body")
        for link in _STYLESHEET.findall(head):
            target, _ = _resolve(page, html.unescape(_link_of(link)))
            if target in files:
                css = _inline_css(files, target)
                if css not in styles:
                    styles.append(css)
        for css in _STYLE.findall(head):
            if css not in styles:
                styles.append(css)
        for attrs, body in _SCRIPT.findall(text):
            src = re.search(r'\ssrc="([^"]*)"', attrs)
            if src:
                target, _ = _resolve(page, html.unescape(src.group(1)))
                if target not in files:
                    continue
                body = files[target].decode("utf-8")
            body = body.replace("</script", "<\\/script")
            if body.strip() and body not in scripts:
                scripts.append(body)
        found = _TITLE.search(head)
        page_title = html.unescape(found.group(1)).strip() if found else page
        if site_title is None and page == "index.html":
            site_title = page_title
        main = _MAIN.search(text)
        inner = rewriter.rewrite(page, main.group(1) if main else "")
        back = "" if page == "index.html" else '<p class="sf-back"><a href="#page-index">← All runs</a></p>\n'
        sections.append(
            f'<section class="sf-page" id="{rewriter.ids[page]}" aria-label="{html.escape(page_title)}">\n'
            f"{back}{inner}</section>\n"
        )
    site_title = site_title or "Training report"
    doc = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="reportgen {__version__}">',
        f"<title>{html.escape(site_title)}</title>",
        '<link rel="icon" href="data:,">',  # no favicon request
        *(f"<style>\n{css}\n</style>" for css in styles),
        f"<style>{SINGLE_CSS}</style>",
        "</head>",
        "<body>",
        '<header class="site-header">',
        f'  <a class="site-title" href="#page-index">{html.escape(site_title)}</a>',
        "</header>",
        '<main id="main">',
        *sections,
        "</main>",
        '<footer class="site-footer">',
        f"  Built by reportgen {__version__}. One self-contained file: it works offline.",
        "</footer>",
        *(f"<script>\n{js}\n</script>" for js in scripts),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(doc).encode("utf-8")
