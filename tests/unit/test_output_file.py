"""Writing the user's file never damages what was there (core.output_file, DESIGN section 4).

``--output`` once replaced a symlink, a FIFO and, as root, ``/dev/null`` with a regular
0600 file, and a killed export left hidden temporary files behind for good.
"""

from __future__ import annotations

import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadgen_desktop.core.export import ExportError, check_output_path, write_csv
from leadgen_desktop.core.output_file import STALE_AFTER, atomic_output, remove_stale_temporaries
from tests.unit.test_export import record


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_usual_permissions(tmp_path: Path, umask: None, mask: int, expected: int) -> None:
    os.umask(mask)
    target = tmp_path / "leads.csv"
    assert write_csv([record()], target) == 1
    assert mode_of(target) == expected


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o600, 0o666])
def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: None, mode: int) -> None:
    target = tmp_path / "leads.csv"
    target.write_text("old")
    target.chmod(mode)
    write_csv([record()], target)
    assert mode_of(target) == mode
    assert target.read_text(encoding="utf-8-sig").startswith("business_name")


def test_a_symlink_is_followed_to_its_real_file(tmp_path: Path) -> None:
    elsewhere = tmp_path / "real"
    elsewhere.mkdir()
    real = elsewhere / "leads.csv"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_csv([record()], link)
    assert link.is_symlink()
    assert link.resolve() == real
    assert real.read_text(encoding="utf-8-sig").startswith("business_name")
    assert mode_of(real) == 0o640
    assert leftovers(tmp_path) == leftovers(elsewhere) == []


def test_a_link_to_a_new_file_in_an_existing_folder_is_refused_as_broken(tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "missing.csv")
    with pytest.raises(ExportError, match="broken link"):
        write_csv([record()], link)
    assert link.is_symlink()
    assert not (tmp_path / "missing.csv").exists()


def test_a_link_loop_is_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    assert "broken link" in (check_output_path(a) or "")


def test_a_fifo_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    link = tmp_path / "link.csv"
    link.symlink_to(fifo)
    for target in (fifo, link):
        problem = check_output_path(target)
        assert problem is not None
        assert "named pipe (FIFO)" in problem
        with pytest.raises(ExportError, match="FIFO"):
            write_csv([record()], target)  # never opened: a FIFO would block the open
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert link.is_symlink()
    assert leftovers(tmp_path) == []


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(ExportError, match="socket"):
            write_csv([record()], path)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


def test_a_device_is_refused(tmp_path: Path) -> None:
    """Checked without writing: as root, a bug here would turn /dev/null into a file."""
    problem = check_output_path(Path("/dev/null"))
    assert problem is not None
    assert "/dev/null is a device" in problem
    link = tmp_path / "null.csv"
    link.symlink_to("/dev/null")
    problem = check_output_path(link)
    assert problem is not None
    assert "through the link" in problem


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert "is a folder" in (check_output_path(tmp_path) or "")


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    target.write_text("old")

    def rows() -> Iterator[object]:
        yield record()
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left on device"):
        write_csv(rows(), target)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_old_temporaries_of_ours_are_removed_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    old = time.time() - STALE_AFTER - 60

    def make(name: str, age: float | None = old) -> Path:
        path = tmp_path / name
        path.write_text("partial")
        if age is not None:
            os.utime(path, (age, age))
        return path

    killed = make(".leads.csv.a1b2c3d4.tmp")  # what a killed export leaves
    legacy = make(".leads.csv.x_9k2mq1.tmp")  # the previous version's tempfile names
    running = make(".leads.csv.0f0f0f0f.tmp", age=None)  # another export still writing
    other_target = make(".other.csv.a1b2c3d4.tmp")
    not_ours = make(".leads.csv.tmp")
    other_shape = make(".leads.csv.a1b2c3d4.tmp.bak")
    linked = tmp_path / ".leads.csv.deadbeef.tmp"
    linked.symlink_to(other_target)
    os.utime(linked, (old, old), follow_symlinks=False)

    write_csv([record()], target)
    assert not killed.exists()
    assert not legacy.exists()
    for kept in (running, other_target, not_ours, other_shape):
        assert kept.exists(), kept.name
    assert linked.is_symlink()
    assert remove_stale_temporaries(target) == 0


def test_the_temporary_file_is_hidden_next_to_the_real_target(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    with atomic_output(target) as handle:
        handle.write("x")
        [temporary] = leftovers(tmp_path)
        assert temporary.startswith(".leads.csv.")
        assert len(temporary) == len(".leads.csv.12345678.tmp")
        assert not target.exists()  # nothing at the target until the rename
    assert target.read_text() == "x"
    assert leftovers(tmp_path) == []
