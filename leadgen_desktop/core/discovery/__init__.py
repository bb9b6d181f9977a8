"""Discovery logic: deduplicating the businesses a search returns."""
