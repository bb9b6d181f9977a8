"""Composition root of the desktop app and the ``leadgen-desktop`` entry point.

Qt and the window are imported only after the arguments are parsed, so
``--version`` and ``--help`` answer without loading Qt.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadgen_desktop import APP_NAME, __version__

if TYPE_CHECKING:
    from leadgen_desktop.keychain import ApiKeyStore


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadgen-desktop",
        description="Find local businesses, score them and find verified emails (desktop app).",
    )
    parser.add_argument(
        "--db", metavar="PATH", help="SQLite database to use (default: LEADGEN_DB or the data folder)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="show the window, let it paint once and exit 0 (packaging check)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _start_logging(key_store: ApiKeyStore) -> None:
    """Log to the rotating file with every known key redacted; never fatal."""
    try:
        from leadgen_desktop.logging_setup import configure_logging
        from leadgen_desktop.paths import log_dir

        configure_logging(log_dir(), secrets=key_store.all_keys().values())
    except Exception as exc:  # noqa: BLE001 - a log file is a convenience, never a reason not to start
        sys.stderr.write(f"leadgen-desktop: warning: cannot write the log file: {exc}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app; return the process exit code (2 when the database cannot be used)."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))

    from PySide6.QtWidgets import QApplication, QMessageBox

    from leadgen_desktop.db.errors import StorageError
    from leadgen_desktop.wiring import open_store

    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication([sys.argv[0] if sys.argv else APP_NAME])
    )
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("leadgen-desktop")

    try:
        store = open_store(args.db)
    except StorageError as exc:
        if args.smoke:
            sys.stderr.write(f"leadgen-desktop: {exc}\n")
        else:
            QMessageBox.critical(None, "leadgen-desktop: database problem", str(exc))
        return 2

    from leadgen_desktop.gui.shell.main_window import MainWindow
    from leadgen_desktop.gui.thread_task import join_live_tasks
    from leadgen_desktop.keychain import ApiKeyStore

    key_store = ApiKeyStore()
    _start_logging(key_store)
    # The providers are built here, before the first paint (0.2-0.3 s of imports: httpx, the
    # website engine). Built after it, a Start clicked at once paid them inside the click: the
    # stall probe's longest gap went from 29-48 ms to 250-370 ms (README, Performance).
    window = MainWindow(store, key_store=key_store)
    window.show()
    # Everything built so far lives as long as the app: keep it out of the garbage collector's
    # full passes, which would otherwise walk it again and again during a run (tens of ms each).
    gc.freeze()
    try:
        if args.smoke:
            window.run_preload.skip()  # nothing will run: no warm-up for the exit to wait for
            app.processEvents()
            window.repaint()  # paints synchronously, also offscreen
            app.processEvents()
            window.close()
            return 0
        return int(app.exec())
    finally:
        window.close()
        join_live_tasks()  # e.g. a key test still answering: no QThread may outlive the app
        store.db.close()


if __name__ == "__main__":
    raise SystemExit(main())
