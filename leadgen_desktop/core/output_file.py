"""Writing a file the user named, without ever damaging what was there (DESIGN section 4).

* The file is written to a hidden temporary file in the target's real folder, then
  renamed into place: a failed or killed export never leaves half a file behind.
* An existing target that is a symlink is followed to its real file, which is replaced.
* An existing target that is not a regular file (a FIFO, a device, a socket, a folder, a
  broken link or a link to such) is refused and left as it is; as root, ``/dev/null``
  stays a device.
* A new file gets the usual permissions (``0666`` less the umask); a replaced one keeps
  its mode (and, for root, its owner).
* Temporary files a killed export left behind are removed by the next export to the same
  target: only ours (named ``.NAME.XXXXXXXX.tmp``, regular, owned by us) and only once
  they are older than :data:`STALE_AFTER` seconds, so an export still running elsewhere
  keeps its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

STALE_AFTER = 10 * 60.0
"""Seconds after which a leftover temporary file of ours is removed."""

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class ExportError(Exception):
    """The file could not be written (or may not be replaced); the message says where and why."""


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def resolve_target(path: Path) -> Path:
    """The real file that writing ``path`` replaces or creates (symlinks followed).

    Raises:
        ExportError: the target exists and is not a regular file (or links to one that
            is not), it is a broken link, or its folder does not exist or is not writable.
    """
    return _resolve(path)[0]


def _resolve(path: Path) -> tuple[Path, os.stat_result | None]:
    """:func:`resolve_target`, with the real file's status (None when it does not exist yet)."""
    target = path.expanduser()
    if target.is_symlink():
        try:
            real = target.resolve(strict=True)
        except (OSError, RuntimeError):  # broken, or a loop
            raise ExportError(f"{target} is a broken link; refusing to write through it.") from None
    else:
        real = Path(os.path.realpath(target))
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ExportError(f"Cannot use {target}: {exc.strerror or exc}.") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = _kind(info.st_mode)
        via = f" (through the link {target})" if real != target.absolute() else ""
        hint = "; give a file name ending in .csv" if stat.S_ISDIR(info.st_mode) else "; it was left as it is"
        raise ExportError(f"{real} is {kind}{via}, not a regular file{hint}.")
    folder = real.parent
    if not folder.is_dir():
        raise ExportError(f"The folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"The folder {folder} is not writable.")
    if info is not None and not os.access(real, os.W_OK):
        raise ExportError(f"{real} exists and is not writable.")
    return real, info


def output_problem(path: Path) -> str | None:
    """Why ``path`` cannot receive a file, or None when it can (nothing is touched)."""
    try:
        resolve_target(path)
    except ExportError as exc:
        return str(exc)
    return None


_EUID: int | None = os.geteuid() if hasattr(os, "geteuid") else None  # None on Windows
_TEMP = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")


def temporary_name(target: Path) -> Path:
    """A fresh hidden temporary name next to ``target`` (``.NAME.XXXXXXXX.tmp``)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")


def remove_stale_temporaries(target: Path, older_than: float = STALE_AFTER, now: float | None = None) -> int:
    """Remove our temporary files for ``target`` older than ``older_than`` seconds; return how many."""
    moment = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMP.fullmatch(entry.name)
        if match is None or match["name"] != target.name:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or (_EUID is not None and info.st_uid != _EUID):
                continue
            if moment - info.st_mtime > older_than:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


@contextmanager
def atomic_output(path: Path, encoding: str = "utf-8", newline: str | None = None) -> Iterator[TextIO]:
    """Write ``path`` through a temporary file renamed into place at the end (see the module docstring).

    Raises:
        ExportError: the target may not be written (nothing was changed), or writing failed
            (the temporary file is removed; a previous file is untouched).
    """
    real, previous = _resolve(path)
    remove_stale_temporaries(real)
    temporary = _create_temporary(real)
    try:
        if previous is not None:
            _keep_mode_and_owner(temporary, previous)
        with os.fdopen(temporary[1], "w", encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if resolve_target(path) != real:
            raise ExportError(f"{path} changed while it was being written; it was left as it is.")
        os.replace(temporary[0], real)
    except OSError as exc:
        _remove_quietly(temporary[0])
        raise ExportError(f"Cannot write {real}: {exc.strerror or exc}.") from None
    except BaseException:
        _remove_quietly(temporary[0])
        raise


def _create_temporary(real: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _attempt in range(20):
        name = temporary_name(real)
        try:
            return name, os.open(name, flags, 0o666)  # the umask applies, as for any new file
        except FileExistsError:
            continue
        except OSError as exc:
            raise ExportError(f"Cannot write to {real.parent}: {exc.strerror or exc}.") from None
    raise ExportError(f"Cannot write to {real.parent}: no free temporary file name.")


def _keep_mode_and_owner(temporary: tuple[Path, int], previous: os.stat_result) -> None:
    """Give the new file the replaced one's mode (and owner, when we are root and may)."""
    name, fd = temporary
    os.chmod(name, stat.S_IMODE(previous.st_mode))
    if _EUID == 0:
        with contextlib.suppress(OSError):
            os.fchown(fd, previous.st_uid, previous.st_gid)


def _remove_quietly(name: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
