"""Reads for inspections: interviews."""

__all__: list[str] = []
