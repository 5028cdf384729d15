"""Where every file of the site lives, and how one page links to another. The only module that
spells a site path: pages, figures, summaries and the build all ask here.

Paths are posix and relative to the site root; links are relative to the page they sit on, so
the site works from file://, from a sub-path and unzipped from an artifact."""

from __future__ import annotations

import posixpath

INDEX = "index.html"
GLOSSARY = "glossary.html"
NOT_FOUND = "404.html"
SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"
NOJEKYLL = ".nojekyll"  # GitHub Pages serves folders starting with "_" only with it


def run_page_path(slug: str) -> str:
    return f"runs/{slug}/index.html"


def dataset_page_path(slug: str) -> str:
    return f"datasets/{slug}/index.html"


def group_page_path(slug: str) -> str:
    return f"groups/{slug}/index.html"


def compare_page_path(slug: str) -> str:
    return f"compare/{slug}/index.html"


# A figure is one themed SVG (figures/svg.py): sharp at any density, light or dark with the
# page, and what prints; only the index's small thumbnails are PNG.


def run_figure_path(slug: str, name: str) -> str:
    """A run's figure, beside its page."""
    return f"runs/{slug}/{name}.svg"


def run_thumbnail_path(slug: str, name: str) -> str:
    """A run's thumbnail for the index, beside its page."""
    return f"runs/{slug}/{name}.png"


def dataset_figure_path(slug: str, name: str) -> str:
    return f"datasets/{slug}/{name}.svg"


def figure_beside(page: str, name: str) -> str:
    """A figure in the folder of `page` (group, comparison and sweep pages)."""
    return page.rsplit("/", 1)[0] + f"/{name}.svg"


def static_path(name: str) -> str:
    """A file of templates/static, as the site holds it."""
    return f"static/{name}"


def relative_root(page_path: str) -> str:
    """Prefix that leads from a page back to the site root ("" at the root, "../../" two deep)."""
    depth = page_path.count("/")
    return "../" * depth


def link(from_page: str, target: str) -> str:
    """A relative link from one page to another file of the site."""
    return posixpath.relpath(target, posixpath.dirname(from_page) or ".")


def overlay_path(slug: str) -> str:
    """A run's curves for the index workbench, loaded on demand by a `<script src>`."""
    return f"runs/{slug}/overlay.js"
