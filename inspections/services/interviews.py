"""Writes for inspections: interviews."""

__all__: list[str] = []
