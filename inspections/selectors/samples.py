"""Reads for inspections: samples."""

__all__: list[str] = []
