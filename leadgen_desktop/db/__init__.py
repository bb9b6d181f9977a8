"""SQLite storage: opening and migrating the file, its tables, and the store (the only SQL)."""
