"""Point the app's per-user folders at a temporary folder, so a benchmark leaves no trace.

The window restores and saves its layout in the config folder (``window-state.ini``);
a benchmark must neither read a developer's remembered window size (it changes what
is measured) nor overwrite it.
"""

from __future__ import annotations

import os
from pathlib import Path

USER_DIR_VARIABLES = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


def isolate_user_dirs(folder: Path) -> dict[str, str]:
    """Set the XDG folders (read by platformdirs) below ``folder``; return the variables set."""
    values = {name: str(folder / name.lower()) for name in USER_DIR_VARIABLES}
    os.environ.update(values)
    return values
