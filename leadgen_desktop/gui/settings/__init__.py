"""Settings and API keys: the dialog, the keys tab and the key checks."""
