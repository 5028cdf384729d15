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


def fmt_evidence(value: Any) -> str:
    """A finding's evidence value as text, nested lists and mappings included, every number in
    fmt_number's short form (a merged divergence carries each event's numbers: never 17 digits)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt_evidence(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt_evidence(v) for v in value) + "]"
    return fmt_number(value)


def fmt_percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    return f"{value:+.1f}%"


# Past a hundred-fold rise or fall a change reads better as a factor: "×1.8e+36", not 40 digits,
# and "×1/2.3e+04", not "-100.0%".
FACTOR = 100.0


def fmt_change(metric: Any) -> str:
    """A metric's change from its first to its final value: '+12.5%' for ordinary changes, a
    factor ('×2.4e+05', '×1/3.1e+03') once the value rose or fell a hundred-fold or more, '—'
    when unknown."""
    if not isinstance(metric, dict):
        return "—"
    pct, first, final = metric.get("pct_change"), metric.get("first"), metric.get("final")
    if pct is None or (isinstance(pct, float) and not math.isfinite(pct)):
        return "—"
    if isinstance(first, (int, float)) and isinstance(final, (int, float)) and first > 0 and final > 0:
        ratio = final / first
        if ratio >= FACTOR:
            return f"×{ratio:.2g}"
        if ratio <= 1 / FACTOR:
            return f"×1/{1 / ratio:.2g}"
    if abs(pct) >= FACTOR * 100:  # signs differ or a value is zero: still no 40 digits
        return f"{pct:+.2g}%"
    return f"{pct:+.1f}%"


def breakable(text: Any) -> Markup:
    """`text` escaped, with a break opportunity after each "_" and "/", so a long metric or
    run name wraps between its parts rather than mid-word ("val_lo ss")."""
    escaped = str(Markup.escape("" if text is None else text))
    return Markup(escaped.replace("_", "_<wbr>").replace("/", "/<wbr>"))


def render_notes(text: str) -> Markup:
    """Markdown notes -> HTML that is safe on a public page: rendered, then sanitised by nh3
    (drops scripts, event handlers and javascript: links; adds rel=noopener to links)."""
    if not text.strip():
        return Markup("")
    html = _markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    return Markup(nh3.clean(html))
