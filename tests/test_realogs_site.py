"""Every real log that reportgen must read (INDEX.tsv `read`) builds into a site from a plain
manifest that only names the log: format auto, no metric mapping."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import realogs_dir
from sitecheck import broken_refs

from reportgen.build import build
from reportgen.manifest.slug import slugify


def read_entries(root: Path) -> list[str]:
    entries = []
    for line in (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        path, _kind, expect = line.split("\t")[:3]
        if expect == "read":
            entries.append(path)
    return entries


def test_every_read_entry_builds_into_a_site(tmp_path: Path) -> None:
    root = realogs_dir()
    entries = read_entries(root)
    assert len(entries) >= 60
    runs = tmp_path / "runs"
    runs.mkdir()
    names = []
    for i, entry in enumerate(entries):
        name = f"{i:02d} {Path(entry).name}"
        names.append(name)
        (runs / f"{i:02d}.yaml").write_text(
            yaml.safe_dump({"name": name, "logs": str(root / entry)}), encoding="utf-8"
        )
    report = build(runs, tmp_path / "site", allow_outside=(root,))
    assert [p.format_message() for p in report.problems] == []
    assert sorted(report.runs) == sorted(names)
    site = tmp_path / "site"
    summary = json.loads((site / "summary.json").read_text(encoding="utf-8"))
    for record in summary["runs"]:
        assert record["metrics"], record["name"]
        assert (site / record["page"]).is_file()
        assert record["page"] == f"runs/{slugify(record['name'])}/index.html"
    assert broken_refs(site) == []
