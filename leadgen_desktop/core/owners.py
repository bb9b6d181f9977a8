"""Who runs something: this process's owner name (``host:pid``) and whether another owner still lives.

Job leases (:mod:`leadgen_desktop.core.jobs`) and lookup claims
(:mod:`leadgen_desktop.core.run.lookup_claims`) share these rules: an owner on
this host whose process is gone (or a zombie) is dead at once; an owner on
another host can only be judged by its heartbeat, which the caller checks.
"""

from __future__ import annotations

import os
import socket


def process_owner() -> str:
    """This process's owner name: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_dead(owner: str) -> bool:
    """True when ``owner`` was a process on this host that no longer runs."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False
