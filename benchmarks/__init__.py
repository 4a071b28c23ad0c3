"""Reproducible performance measurements (not timed tests). Run with `make bench`."""
