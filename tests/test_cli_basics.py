from __future__ import annotations

import subprocess
import sys

from reelforge import __version__


def test_reelforge_version_prints_the_package_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert __version__ in out.stdout
