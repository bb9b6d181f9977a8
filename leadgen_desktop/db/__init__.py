"""SQLite storage: opening and migrating the file, its tables, and the store (the only SQL).

peewee is imported here first, without the PostgreSQL drivers (see :mod:`.peewee_drivers`).
"""

from leadgen_desktop.db.peewee_drivers import import_peewee_without_postgres_drivers

import_peewee_without_postgres_drivers()
