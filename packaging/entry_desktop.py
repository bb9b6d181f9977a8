"""PyInstaller entry script for the ``leadgen-desktop`` window (leadgen_desktop.app:main)."""

import sys

from leadgen_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
