from __future__ import annotations

import math

from reportgen.site.formatting import fmt_number, fmt_percent, render_notes


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


def test_exploded_changes_are_factors_in_scientific_form() -> None:
    from reportgen.site.formatting import fmt_change

    first, final = 4.505, 1.765e37
    pct = (final - first) / first * 100
    assert fmt_change({"pct_change": pct, "first": first, "final": final}) == "×3.9e+36"
    assert fmt_change({"pct_change": -98.0, "first": 2.0, "final": 0.04}) == "-98.0%"
    assert fmt_change({"pct_change": -99.999, "first": 2.0, "final": 2e-5}) == "×1/1e+05"  # not "-100.0%"
    assert fmt_change({"pct_change": -1e38, "first": -1.0, "final": 1e36}) == "-1e+38%"
    assert fmt_change({"pct_change": 12.5, "first": 2.0, "final": 2.25}) == "+12.5%"
    assert fmt_change({"pct_change": None, "first": None, "final": None}) == "—"


def test_names_break_after_underscores_and_slashes_and_stay_escaped() -> None:
    from reportgen.site.formatting import breakable

    assert str(breakable("val_loss")) == "val_<wbr>loss"
    assert str(breakable("train/loss_step")) == "train/<wbr>loss_<wbr>step"
    assert str(breakable("<b>_x")) == "&lt;b&gt;_<wbr>x"


def test_nested_evidence_numbers_are_short() -> None:
    from reportgen.site.formatting import fmt_evidence

    events = [{"criterion": "explosion", "final": 2.9862617613050566e35, "step": 111}, {"value": float("inf")}]
    assert fmt_evidence(events) == "[{criterion: explosion, final: 2.986e+35, step: 111}, {value: inf}]"
