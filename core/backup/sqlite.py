"""SQLite: copy the database with the online backup API, copy it back, count and list tables."""

import sqlite3
from pathlib import Path

from core.backup.database import Database, _Snapshot, _snapshot_read

_SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
)


def _sqlite_table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    counts = {}
    for (table,) in connection.execute(_SQLITE_TABLES).fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        counts[table] = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
    return counts


def _sqlite_file_names(connection: sqlite3.Connection):
    def execute(table: str, column: str):
        return connection.execute(
            f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\''  # noqa: S608
        ).fetchall()

    return execute


def _dump_sqlite(database: Database, target: Path) -> _Snapshot:
    source = database.sqlite_connect()
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: one consistent copy
        return _snapshot_read(
            tables=_sqlite_table_counts(copy),
            file_names=_sqlite_file_names(copy),
            execute=copy.execute,
        )
    finally:
        copy.close()
        source.close()


def _restore_sqlite(database: Database, dump: Path) -> None:
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    target = database.sqlite_connect()
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _sqlite_counts(database: Database) -> dict[str, int]:
    connection = database.sqlite_connect(read_only=True)
    try:
        return _sqlite_table_counts(connection)
    finally:
        connection.close()


def _sqlite_relations(database: Database) -> tuple[int, str | None]:
    """Return how many tables the database holds and the first of their names."""
    if not database.name.startswith("file:"):
        path = Path(database.name)
        if not path.exists() or path.stat().st_size == 0:
            return 0, None
    connection = database.sqlite_connect()
    try:
        names = [row[0] for row in connection.execute(_SQLITE_TABLES).fetchall()]
    finally:
        connection.close()
    return len(names), (names[0] if names else None)
