"""Widgets, Qt models and the worker thread: the only package that imports Qt widgets."""
