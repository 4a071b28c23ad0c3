"""Reads for inspections: setup."""

__all__: list[str] = []
