"""PyInstaller entry script for the headless ``leadgen`` command (leadgen_desktop.cli:main)."""

import sys

from leadgen_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
