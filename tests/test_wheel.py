"""The templates ship inside the wheel, and an installed wheel builds a site from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import make_run

from reportgen.site.scripts import FIGURE_SCRIPTS, INDEX_SCRIPTS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sdist first, then the wheel built from the unpacked sdist (as pip does from PyPI)."""
    dist = tmp_path_factory.mktemp("dist")
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    sdist = Path(next(SdistBuilder(str(ROOT)).build(directory=str(dist))))
    unpacked = tmp_path_factory.mktemp("sdist")
    with tarfile.open(sdist) as tar:
        # extraction filters came with Python 3.11.4 (3.10.12); Debian 12's 3.11.2 has none, and
        # the sdist is our own, just built
        tar.extractall(unpacked, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (src,) = list(unpacked.iterdir())
    return Path(next(WheelBuilder(str(src)).build(directory=str(dist))))


def test_wheel_contains_templates(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("reportgen/templates/base.html", "reportgen/templates/run.html",
                   "reportgen/templates/index.html", "reportgen/templates/static/style.css",
                   "reportgen/cli.py"):
        assert needed in names, needed
    # the scripts' parts sit in folders under static/ (templates/static/figures/, workbench/)
    missing = [n for n in FIGURE_SCRIPTS + INDEX_SCRIPTS if f"reportgen/templates/static/{n}" not in names]
    assert missing == []


def test_installed_wheel_builds_a_site_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # The runtime deps come, without a network, from the site-packages of the interpreter running
    # the tests (a venv's own, not only its base interpreter's: system_site_packages would give
    # the latter). Plain path lines: the .pth files there, such as an editable install of
    # reportgen, are not processed, and the new venv's own site-packages comes first, so
    # reportgen itself comes only from the wheel.
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    outer = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    (Path(own) / "outer-site-packages.pth").write_text("\n".join(outer) + "\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
                    "--disable-pip-version-check", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    runs = work / "runs"
    make_run(runs, "a")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    done = subprocess.run([str(env_dir / "bin" / "reportgen"), "build", "runs", "-o", "out"],
                          cwd=work, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert (work / "out" / "runs" / "a" / "index.html").is_file()
    where = subprocess.run([str(python), "-c", "import reportgen.site.templates_dir as t; print(t.templates_dir())"],
                           cwd=work, capture_output=True, text=True, env=env, check=True).stdout.strip()
    assert Path(where).is_relative_to(env_dir), where
    assert sys.prefix != str(env_dir)
