"""SQLite storage: connection, tables, migrations and the repository (the only SQL)."""
