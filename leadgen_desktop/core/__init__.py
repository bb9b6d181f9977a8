"""The pipeline and its stages, scoring, costs and export; no Qt, no HTTP."""
