"""Test suite of leadgen-desktop."""
