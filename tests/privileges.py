"""A command prefix for tests about permissions: as root, permissions are not checked unless the
process drops its capabilities to bypass them (setpriv, from util-linux, essential on Debian)."""

from __future__ import annotations

import os
import shutil

import pytest


def without_root_powers() -> list[str]:
    """[] for an ordinary user; for root, a setpriv prefix under which folders with no read or
    write permission are refused as they are to any user."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.fail("running as root without setpriv (util-linux): cannot take away root's powers")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]
