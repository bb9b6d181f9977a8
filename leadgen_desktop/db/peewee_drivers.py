"""peewee without its PostgreSQL driver until a team database is opened.

``import peewee`` imports psycopg whenever it is installed (it is: team mode needs it), and
loading psycopg and its libpq costs every start-up ~90 ms, 40 % of ``leadgen run``'s imports,
for the SQLite file almost every run uses. So peewee is imported first (by ``db/__init__``)
with the drivers hidden, and :func:`give_peewee_psycopg` hands psycopg 3 to it when
:func:`~leadgen_desktop.db.postgres.open_postgres` first needs it: exactly the names peewee's
own ``import psycopg`` block sets (``tests/unit/test_peewee_drivers.py`` compares them with a
plain import, so a peewee that sets more fails there).
"""

from __future__ import annotations

import sys

HIDDEN_DRIVERS = ("psycopg", "psycopg2", "psycopg2cffi")
"""The PostgreSQL drivers peewee tries to import when it is imported."""


def import_peewee_without_postgres_drivers() -> None:
    """Import peewee with the PostgreSQL drivers hidden (a no-op when peewee is already imported)."""
    if "peewee" in sys.modules:
        return
    hidden = [name for name in HIDDEN_DRIVERS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" raises ImportError
    try:
        import peewee  # noqa: F401
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def peewee_psycopg_names() -> dict[str, object]:
    """The module names peewee's own ``import psycopg`` block sets, with what it sets them to."""
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    return {"psycopg": psycopg, "TransactionStatus": TransactionStatus, "Json_pg3": Json, "Jsonb_pg3": Jsonb}


def give_peewee_psycopg() -> None:
    """Give peewee psycopg 3 if it was imported without it (before a ``PostgresqlDatabase`` is made)."""
    import peewee as pw

    if getattr(pw, "psycopg", None) is not None:
        return
    names = peewee_psycopg_names()
    for name, value in names.items():
        setattr(pw, name, value)
    status = names["TransactionStatus"]  # and the adapter's class attributes, set only with psycopg there
    adapter = pw.Psycopg3Adapter
    adapter.txn_idle = status.IDLE  # type: ignore[attr-defined]
    adapter.txn_inerror = status.INERROR  # type: ignore[attr-defined]
    adapter.txn_unknown = status.UNKNOWN  # type: ignore[attr-defined]
