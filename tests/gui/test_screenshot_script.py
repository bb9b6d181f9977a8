"""scripts/screenshot.py runs headless and writes every screenshot into --out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ("main-window.png", "main-window-running.png", "lead-details.png", "dark-mode.png")


@pytest.mark.slow
def test_screenshot_script_writes_all_images(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LEADGEN_DEMO_LATENCY": "0"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot.py"), "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in EXPECTED:
        image = QImage(str(out / name))
        assert not image.isNull(), name
        assert image.width() >= 600, name
        assert image.height() >= 400, name
    dark = QImage(str(out / "dark-mode.png"))
    assert dark.pixelColor(dark.width() // 2, dark.height() // 2).lightnessF() < 0.5  # really dark
    assert not (tmp_path / "xdg-config" / "leadgen-desktop" / "window-state.ini").exists()
