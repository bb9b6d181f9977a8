"""The GUI entry point starts, paints its window and exits 0 (in a subprocess, offscreen)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_app_main_smoke_runs_in_a_subprocess(tmp_path: Path) -> None:
    db = tmp_path / "smoke.db"
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "LEADGEN_DEMO": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",  # never touch a real keychain
    }
    code = (
        "import sys\n"
        "from leadgen_desktop.app import main\n"
        "ok = main(['--smoke', '--db', sys.argv[1]])\n"
        "broken = main(['--smoke', '--db', sys.argv[2]])\n"
        "print(ok, broken)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(db), str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "2"]
    assert db.exists()
    assert "not a leadgen-desktop database" in done.stderr
