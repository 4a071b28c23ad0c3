"""Reads for inspections: readings."""

__all__: list[str] = []
