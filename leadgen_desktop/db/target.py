"""Where the database is: a SQLite file path, or a ``postgresql://`` URL for a team database.

``--db`` and ``LEADGEN_DB`` take either. A URL is parsed once here into a
:class:`PostgresTarget`, which keeps its password apart: the password is used
to connect and never appears in :attr:`PostgresTarget.display`, in a message,
a log line or an exception. The password may also come from the keychain (the
caller passes it in), ``PGPASSFILE`` / ``~/.pgpass`` or ``PGPASSWORD`` (read by
libpq itself), so it need not be on a command line at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from leadgen_desktop.db.errors import StorageError

SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_SECONDS = 5
"""How long connecting may take before a server is called unreachable."""
KEEPALIVE = {
    "keepalives": "1",
    "keepalives_idle": "5",
    "keepalives_interval": "2",
    "keepalives_count": "3",
    "tcp_user_timeout": "10000",
}
"""TCP keepalives and a send timeout: a connection to a server that vanished fails in about 10 s
instead of hanging until the operating system gives up (minutes)."""
_ALLOWED_PARAMETERS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslcrl",
        "sslpassword",
        "passfile",
        "application_name",
        "connect_timeout",
        "options",
        "target_session_attrs",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
        "service",
        "channel_binding",
        "gssencmode",
        "requiressl",
    }
)


def is_postgres_url(text: str | os.PathLike[str]) -> bool:
    """True when ``text`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return isinstance(text, str) and text.strip().lower().startswith(SCHEMES)


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    """A PostgreSQL database to connect to, its password held apart from everything shown."""

    host: str | None
    port: int | None
    user: str | None
    dbname: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    password: str | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        """The URL without its password (safe for messages, logs and the window)."""
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        host = self.host or ""
        if host and ":" in host and not host.startswith("/"):
            host = f"[{host}]"
        port = f":{self.port}" if self.port else ""
        query = "&".join(
            f"{k}={quote(v, safe='')}" for k, v in sorted(self.parameters.items()) if k != "options"
        )
        return f"postgresql://{user}{host}{port}/{quote(self.dbname, safe='')}" + (
            f"?{query}" if query else ""
        )

    @property
    def key(self) -> str:
        """The name the password is kept under in the keychain: the URL without password or options."""
        user = f"{self.user}@" if self.user else ""
        return f"postgresql://{user}{self.host or ''}:{self.port or 5432}/{self.dbname}"

    def with_password(self, password: str | None) -> PostgresTarget:
        """The same target with ``password`` (from the keychain) unless the URL carried one."""
        if self.password or not password:
            return self
        return PostgresTarget(self.host, self.port, self.user, self.dbname, self.parameters, password)

    def connect_parameters(self) -> dict[str, Any]:
        """Keyword arguments for the driver (the password included; never show them)."""
        params: dict[str, Any] = {**KEEPALIVE, "connect_timeout": str(CONNECT_TIMEOUT_SECONDS)}
        params.update(self.parameters)
        own = str(params.pop("options", ""))
        params["options"] = " ".join(part for part in (own, "-c TimeZone=UTC") if part)
        if self.host:
            params["host"] = self.host
        if self.port:
            params["port"] = self.port
        if self.user:
            params["user"] = self.user
        if self.password:
            params["password"] = self.password
        params.setdefault("application_name", "leadgen-desktop")
        return params

    def redact(self, text: str) -> str:
        """``text`` with this target's password (and any URL password) replaced by ``***``."""
        if self.password:
            text = text.replace(self.password, "***")
            text = text.replace(quote(self.password, safe=""), "***")
        return redact_urls(text)


_URL_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*:)([^@\s]*)(@)", re.IGNORECASE)


def redact_urls(text: str, mask: str = "***") -> str:
    """Replace the password of any ``postgresql://user:password@`` URL in ``text`` with ``mask``."""
    return _URL_PASSWORD.sub(lambda m: m.group(1) + mask + m.group(3), text)


def parse_postgres_url(text: str) -> PostgresTarget:
    """Parse a ``postgresql://USER:PASSWORD@HOST:PORT/DBNAME?sslmode=...`` URL.

    Raises:
        StorageError: the URL cannot be used; the message names what is wrong (never the password).
    """
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    cleaned = text.strip()
    try:
        parsed = {str(k): str(v) for k, v in conninfo_to_dict(cleaned).items() if v is not None}
    except (ProgrammingError, ValueError):
        raise StorageError(
            f"The database URL {redact_urls(cleaned)} cannot be read. Write it as "
            "postgresql://USER@HOST:PORT/DBNAME (the password in the keychain or PGPASSFILE)."
        ) from None
    dbname = parsed.pop("dbname", "")
    if not dbname:
        raise StorageError(
            f"The database URL {redact_urls(cleaned)} names no database; add it after the host, "
            "e.g. postgresql://leadgen@db.example.com:5432/leadgen."
        )
    password = parsed.pop("password", None)
    host = parsed.pop("host", None) or parsed.pop("hostaddr", None)
    user = parsed.pop("user", None)
    port_text = parsed.pop("port", None)
    port: int | None = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise StorageError(f"The database URL's port {port_text!r} is not a port number (1-65535).")
        port = int(port_text)
    unknown = sorted(set(parsed) - _ALLOWED_PARAMETERS)
    if unknown:
        raise StorageError(
            f"The database URL has parameters leadgen-desktop does not know: {', '.join(unknown)}. "
            "Remove them (sslmode, sslrootcert, passfile and application_name are fine)."
        )
    return PostgresTarget(host, port, user, dbname, parsed, password or None)


def parse_target(text: str | os.PathLike[str]) -> Path | PostgresTarget:
    """A SQLite file path, or a :class:`PostgresTarget` for a ``postgresql://`` URL."""
    if is_postgres_url(text):
        return parse_postgres_url(str(text))
    return Path(text).expanduser()
