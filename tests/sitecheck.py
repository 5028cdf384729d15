"""Walks a built site the way a browser would: every page's links, images and stylesheets must
resolve to files inside the site, and nothing may point off the machine."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[str] = []
        self.event_handlers: list[str] = []
        self.text: list[str] = []
        self.scripts: list[str] = []  # the text of each inline <script>
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        for name, value in attrs:
            if name.startswith("on"):
                self.event_handlers.append(f"{tag}[{name}]")
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, name, value))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
            return
        self.text.append(data)


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_refs(site: Path) -> list[str]:
    """Every reference in every page that does not resolve to a file of the site."""
    problems = []
    for page in sorted(site.rglob("*.html")):
        if page.name == "404.html":
            continue  # served at arbitrary depths; checked separately
        rel_page = page.relative_to(site).as_posix()
        for tag, attr, value in parse(page).refs:
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or value.startswith("/"):
                problems.append(f"{rel_page}: {tag}[{attr}] leaves the site: {value}")
                continue
            if not parts.path:
                continue  # a fragment on the same page
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel_page), unquote(parts.path)))
            if target.startswith("..") or not (site / target).is_file():
                problems.append(f"{rel_page}: {tag}[{attr}] does not resolve: {value}")
    return problems
