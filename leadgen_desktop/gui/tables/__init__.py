"""The lead tables: models, the filter proxy, the row feeder, table actions and CSV export."""
