"""How numbers and user text appear on pages: Jinja filters, and Markdown notes sanitised."""

from __future__ import annotations

import math
from typing import Any

import markdown as _markdown
import nh3
from markupsafe import Markup


def fmt_number(value: Any, digits: int = 4) -> str:
    """4 significant digits; '—' when missing; NaN/inf spelled out."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "−inf"
        if value == int(value) and abs(value) < 1e6:
            return str(int(value))
        return f"{value:.{digits}g}"
    return str(value)


def fmt_percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:+.1f}%"


def render_notes(text: str) -> Markup:
    """Markdown notes -> HTML that is safe on a public page: rendered, then sanitised by nh3
    (drops scripts, event handlers and javascript: links; adds rel=noopener to links)."""
    if not text.strip():
        return Markup("")
    html = _markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    return Markup(nh3.clean(html))
