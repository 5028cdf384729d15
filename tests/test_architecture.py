"""The pipeline's shape stays true: a stage imports only earlier stages, and each stage package's
docstring says which those are (STYLE.md, issue 15). Every module of the package is parsed (ast),
imports inside functions included, so a lazy import cannot hide a backward one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import reportgen

PACKAGE = Path(reportgen.__file__).resolve().parent
# The pipeline's order (STYLE.md); a name may import its own rank and lower ranks.
ORDER = {
    "errors": 0,
    "model": 0,
    "manifest": 1,
    "readers": 2,
    "analysis": 3,
    "figures": 4,
    "site": 5,
    "build": 6,
    "cli": 7,
    "serve": 7,
    "__main__": 7,
}
STAGES = ("manifest", "readers", "analysis", "figures", "site", "build")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def _top(module: Path) -> str:
    """The stage (package) or top-level module `module` belongs to."""
    return module.relative_to(PACKAGE).parts[0].removesuffix(".py")


def reportgen_imports(source: str) -> list[tuple[int, str]]:
    """(line, top-level name) of every `reportgen.<name>` a module imports, anywhere in it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "reportgen":  # `from reportgen import errors` names a module too
                names = [f"reportgen.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "reportgen" and len(parts) > 1 and parts[1] in ORDER:
                found.append((node.lineno, parts[1]))
    return found


def later_than(top: str, source: str) -> list[tuple[int, str]]:
    """(line, name) of each import in `source`, a module of `top`, of a later stage than `top`."""
    return [(line, name) for line, name in reportgen_imports(source) if ORDER[name] > ORDER[top]]


# The one allowed exception: the shared vocabulary's dataclasses take their fields from the
# manifest format's tables (defined once, issue 15), which import nothing of reportgen themselves.
VOCABULARY_SOURCES = {"model.py": "reportgen.manifest.format"}


def backward_imports(module: Path) -> list[str]:
    """Each import in `module` of a later stage than its own, as `path:line: imports name`."""
    source = module.read_text(encoding="utf-8")
    allowed = VOCABULARY_SOURCES.get(str(module.relative_to(PACKAGE)))
    if allowed:
        source = re.sub(rf"^from {re.escape(allowed)} import .*$", "", source, flags=re.M)
    return [
        f"{module.relative_to(PACKAGE.parent)}:{line}: imports reportgen.{name}"
        for line, name in later_than(_top(module), source)
    ]


def test_the_format_tables_import_nothing_of_reportgen_at_import_time() -> None:
    tree = ast.parse((PACKAGE / "manifest" / "format.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    named = [getattr(n, "module", None) or n.names[0].name for n in top_level]
    assert [m for m in named if m and m.startswith("reportgen")] == []


def declared_imports(package: str) -> set[str]:
    """The names a stage package's docstring lists after "May import:"."""
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))) or ""
    match = re.search(r"May import:(.*?)(?:\.\s|\.$)", doc, re.S)
    assert match, f"reportgen/{package}/__init__.py: its docstring must say what it may import ('May import: ...')"
    return set(re.findall(r"reportgen\.(\w+)", match.group(1)))


def test_every_module_is_placed_in_the_pipeline_order() -> None:
    unplaced = sorted({_top(m) for m in _modules()} - set(ORDER))
    assert unplaced == [], f"add these to ORDER in tests/test_architecture.py: {unplaced}"


def test_no_stage_imports_a_later_stage() -> None:
    found = [line for module in _modules() for line in backward_imports(module)]
    assert found == [], "backward imports (errors/model -> manifest -> readers -> analysis -> figures -> site -> build -> cli/serve):\n" + "\n".join(found)


@pytest.mark.parametrize("package", STAGES)
def test_each_stage_imports_only_what_its_docstring_allows(package: str) -> None:
    allowed = declared_imports(package)
    later = sorted(name for name in allowed if ORDER[name] > ORDER[package])
    assert later == [], f"reportgen/{package}/__init__.py allows later stages: {later}"
    outside = sorted(
        f"{module.relative_to(PACKAGE.parent)}:{line}: imports reportgen.{name}"
        for module in _modules()
        if _top(module) == package
        for line, name in reportgen_imports(module.read_text(encoding="utf-8"))
        if name != package and name not in allowed
    )
    assert outside == [], f"not in reportgen/{package}/__init__.py's 'May import:':\n" + "\n".join(outside)


def test_the_check_sees_a_lazy_backward_import() -> None:
    source = "def f():\n    from reportgen.build.writer import Known\n    import reportgen.errors\n"
    assert reportgen_imports(source) == [(2, "build"), (3, "errors")]
    assert later_than("site", source) == [(2, "build")]
    assert later_than("build", source) == []
    assert later_than("manifest", "from reportgen import site\n") == [(1, "site")]


# STYLE.md: "when a module passes ~400 lines, split it along a name you can say". Past this
# many lines a module or script fails here, so a split is never left for later.
MAX_LINES = 450
# Declarations read top to bottom, where splitting would scatter one definition:
LONG_BY_DESIGN = {
    "reportgen/manifest/format.py": "the one definition of the manifest format (issue 15): every key's table",
    "reportgen/model.py": "the dataclasses passed between stages, the pipeline's shared vocabulary",
}


def test_no_module_or_script_outgrows_a_split() -> None:
    root = PACKAGE.parent
    files = sorted([*PACKAGE.rglob("*.py"), *(root / "templates" / "static").rglob("*.js")])
    too_long = sorted(
        f"{rel}: {n} lines"
        for path in files
        if "vendor" not in path.parts
        and (rel := path.relative_to(root).as_posix()) not in LONG_BY_DESIGN
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert files and too_long == [], "split these along names a newcomer can say:\n" + "\n".join(too_long)
    for rel in LONG_BY_DESIGN:
        assert (root / rel).is_file(), f"{rel} is gone: drop it from LONG_BY_DESIGN"
