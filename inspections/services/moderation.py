"""Writes for inspections: moderation."""

__all__: list[str] = []
