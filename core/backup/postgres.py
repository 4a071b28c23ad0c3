"""PostgreSQL: dump one snapshot with pg_dump, load it with pg_restore, count and list tables."""

import os
import subprocess
from pathlib import Path

from core.backup.database import Database, _Snapshot, _snapshot_read
from core.backup.errors import PG_DUMP_FAILED, PG_RESTORE_FAILED, BackupError

PG_DUMP = os.environ.get("PG_DUMP", "/usr/bin/pg_dump")
PG_RESTORE = os.environ.get("PG_RESTORE", "/usr/bin/pg_restore")
STDERR_LINES = 5

_PG_TABLES = """
    SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
    ORDER BY 1, 2
"""
_PG_RELATIONS = """
    SELECT count(*), min(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
"""


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return "\n".join(lines[-STDERR_LINES:]) or "(nothing)"


def _run_pg_tool(database: Database, args: list[str], *, failed: str) -> None:
    """Run pg_dump or pg_restore (the password in the environment); on failure, show its stderr."""
    result = subprocess.run(  # noqa: S603
        args, env=database.pg_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(failed.format(stderr=_tail(result.stderr)))


def _pg_table_counts(connection) -> dict[str, int]:
    from psycopg import sql

    counts = {}
    for schema, table in connection.execute(_PG_TABLES).fetchall():
        key = table if schema == "public" else f"{schema}.{table}"
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
        counts[key] = connection.execute(query).fetchone()[0]
    return counts


def _pg_file_names(connection):
    from psycopg import sql

    def execute(table: str, column: str):
        query = sql.SQL("SELECT {column} FROM {table} WHERE {column} <> ''").format(
            column=sql.Identifier(column), table=sql.Identifier(table)
        )
        return connection.execute(query).fetchall()

    return execute


def _dump_postgresql(database: Database, target: Path) -> _Snapshot:
    from psycopg import IsolationLevel

    with database.pg_connect() as connection:
        connection.isolation_level = IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        # pg_dump takes this transaction's snapshot, so the dump, the row counts and the file
        # names below all describe the same moment.
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run_pg_tool(
            database,
            [
                PG_DUMP,
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            failed=PG_DUMP_FAILED,
        )
        seen = _snapshot_read(
            tables=_pg_table_counts(connection),
            file_names=_pg_file_names(connection),
            execute=connection.execute,
        )
        connection.rollback()
    return seen


def _restore_postgresql(database: Database, dump: Path) -> None:
    _run_pg_tool(
        database,
        [
            PG_RESTORE,
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database.name}",
            str(dump),
        ],
        failed=PG_RESTORE_FAILED,
    )


def _pg_counts(database: Database) -> dict[str, int]:
    with database.pg_connect() as connection:
        return _pg_table_counts(connection)


def _pg_relations(database: Database) -> tuple[int, str | None]:
    """Return how many tables, sequences and views the database holds, and one of their names."""
    with database.pg_connect() as connection:
        count, example = connection.execute(_PG_RELATIONS).fetchone()
    return count, example
