"""peewee imported without psycopg, and given it when a team database is opened (db/peewee_drivers.py).

Checked in fresh interpreters: one imports peewee plainly, the other as the app does and then
hands psycopg over; every module name and adapter attribute peewee sets from psycopg must match.
A peewee that starts reading another psycopg name at import fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import peewee as pw

from leadgen_desktop.db.errors import driver_errors

_PEEWEE_PSYCOPG_STATE = """
import json, sys, types
{setup}
import peewee as pw

def origin(value):
    return value.__name__ if isinstance(value, types.ModuleType) else str(getattr(value, "__module__", ""))

state = {{name: repr(value) for name, value in vars(pw).items() if origin(value).startswith("psycopg")}}
for name in ("txn_idle", "txn_inerror", "txn_unknown"):
    state[name] = repr(getattr(pw.Psycopg3Adapter, name, None))
state["adapter chosen"] = type(pw.PostgresqlDatabase("x", prefer_psycopg3=True)._adapter).__name__
print(json.dumps(state, sort_keys=True))
"""

_PLAIN = _PEEWEE_PSYCOPG_STATE.format(setup="")
_AS_THE_APP_DOES = _PEEWEE_PSYCOPG_STATE.format(
    setup=(
        "import leadgen_desktop.db\n"
        "assert sys.modules.get('psycopg') is None, 'peewee imported psycopg'\n"
        "from leadgen_desktop.db.peewee_drivers import give_peewee_psycopg\n"
        "give_peewee_psycopg()"
    )
)


def _state(script: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_peewee_given_psycopg_later_is_set_up_as_by_its_own_import() -> None:
    plain = _state(_PLAIN)
    assert plain["adapter chosen"] == "Psycopg3Adapter"
    assert {"psycopg", "TransactionStatus", "Json_pg3", "Jsonb_pg3"} <= plain.keys()
    assert _state(_AS_THE_APP_DOES) == plain


def test_driver_errors_hold_psycopgs_once_it_is_imported() -> None:
    import psycopg

    assert issubclass(psycopg.OperationalError, driver_errors())
    assert issubclass(pw.OperationalError, driver_errors())
