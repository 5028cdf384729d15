"""URL slugs for run, dataset, group and comparison pages. Here, in the first stage, because a
run's slug is part of its identity: load_manifests refuses two runs whose names give the same
page address, and every later stage names pages by it (site/paths.py)."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """Lower-case ASCII letters, digits and single dashes; "run" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or "run"
