from __future__ import annotations

import math

from reportgen.formatting import fmt_number, fmt_percent, render_notes


def test_numbers() -> None:
    assert fmt_number(None) == "—"
    assert fmt_number(math.nan) == "NaN"
    assert fmt_number(math.inf) == "inf"
    assert fmt_number(-math.inf) == "−inf"
    assert fmt_number(3.0) == "3"
    assert fmt_number(0.123456) == "0.1235"
    assert fmt_number(12) == "12"
    assert fmt_percent(-12.345) == "-12.3%"
    assert fmt_percent(None) == "—"


def test_notes_render_markdown_and_drop_scripts() -> None:
    html = str(render_notes(
        "Cosine schedule, **no** augmentation.\n\n"
        "<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))"
    ))
    assert "<strong>no</strong>" in html
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html


def test_empty_notes() -> None:
    assert str(render_notes("  \n")) == ""
