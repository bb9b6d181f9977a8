"""What the benchmarks share: per-user folders in a temporary folder, a busy core, small measuring helpers.

The window restores and saves its layout in the config folder (``window-state.ini``);
a benchmark must neither read a developer's remembered window size (it changes what
is measured) nor overwrite it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

USER_DIR_VARIABLES = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


def isolate_user_dirs(folder: Path) -> dict[str, str]:
    """Set the XDG folders (read by platformdirs) below ``folder``; return the variables set."""
    values = {name: str(folder / name.lower()) for name in USER_DIR_VARIABLES}
    os.environ.update(values)
    return values


_SPIN = """
import os
parent = os.getppid()
while os.getppid() == parent:  # a plain busy loop that ends if the benchmark dies
    for _ in range(1_000_000):
        pass
"""


@contextlib.contextmanager
def busy_core(enabled: bool) -> Iterator[None]:
    """Keep one core busy with a plain Python loop (the issue's "busy machine") while inside."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", _SPIN])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def load_text() -> str:
    """The 1-minute load average, for printing next to a figure."""
    return f"{os.getloadavg()[0]:.2f}"


def ms(seconds: float) -> str:
    """``seconds`` as right-aligned milliseconds."""
    return f"{seconds * 1000:8.1f} ms"


def rss_mb() -> float:
    """This process's resident memory (VmRSS) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait(signal: object, timeout_ms: int = 120_000) -> None:
    """Run a Qt event loop until ``signal`` is emitted or ``timeout_ms`` have passed."""
    from PySide6.QtCore import QEventLoop, QTimer  # only the GUI benchmarks need Qt

    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
