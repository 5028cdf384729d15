"""Where the Jinja templates are: inside the installed package (the wheel maps the top-level
`templates/` to `reportgen/templates/`), else the source checkout's top-level `templates/`."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise FileNotFoundError(
        "reportgen's templates are missing: reinstall reportgen (pip install --force-reinstall reportgen)"
    )
