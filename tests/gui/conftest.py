"""Fixtures shared by the window tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.db.store import Store


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store of the test's own, closed at teardown.

    Test modules whose windows run threads, or that seed leads, define their own ``repo``
    (e.g. with :func:`tests.gui.ux_support.repo_with_cleanup`), which takes precedence.
    """
    repository = Store.open(tmp_path / "window.db")
    yield repository
    repository.db.close()
