"""Writes for inspections: populations."""

__all__: list[str] = []
