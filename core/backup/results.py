"""What a backup or a restore returns, with the one-line summary the commands print."""

from dataclasses import dataclass
from pathlib import Path


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _counted(*, tables: int, rows: int, files: int) -> str:
    return f"{_count(tables, 'table')}, {_count(rows, 'row')}, {_count(files, 'file')}"


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    tables: int
    rows: int
    files: int
    bytes: int
    missing_files: list[str]

    @property
    def summary(self) -> str:
        counted = _counted(tables=self.tables, rows=self.rows, files=self.files)
        return f"Backup written to {self.folder}: {counted}, {_count(self.bytes, 'byte')}."


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int
    missing_files: list[str]

    @property
    def summary(self) -> str:
        counted = _counted(tables=self.tables, rows=self.rows, files=self.files)
        return f"Restored {counted}; every count and hash matches the manifest."
