"""Where a database is (a Django DATABASES entry) and what a dump of it saw."""

import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import connections, models

from core.backup.errors import UNSUPPORTED_ENGINE, BackupError

SSL_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey"}  # each has a PG<NAME> variable


@dataclass(frozen=True)
class Database:
    """How to reach one database, taken from a Django DATABASES entry."""

    engine: str  # "postgresql" | "sqlite"
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    # TLS settings from DATABASE_URL's query (e.g. ?sslmode=verify-full), passed on to libpq.
    ssl: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, settings_dict: Mapping) -> "Database":
        engine = settings_dict["ENGINE"]
        if engine == "django.db.backends.postgresql":
            return cls(
                engine="postgresql",
                name=str(settings_dict["NAME"]),
                host=str(settings_dict.get("HOST") or ""),
                port=str(settings_dict.get("PORT") or ""),
                user=str(settings_dict.get("USER") or ""),
                password=str(settings_dict.get("PASSWORD") or ""),
                ssl=tuple(
                    (key, str(value))
                    for key, value in sorted((settings_dict.get("OPTIONS") or {}).items())
                    if key in SSL_OPTIONS
                ),
            )
        if engine == "django.db.backends.sqlite3":
            return cls(engine="sqlite", name=str(settings_dict["NAME"]))
        raise BackupError(UNSUPPORTED_ENGINE.format(engine=engine))

    @classmethod
    def default(cls, using: str = "default") -> "Database":
        # The connection's settings, not settings.DATABASES: under test they name the test database.
        return cls.from_settings(connections[using].settings_dict)

    def pg_env(self) -> dict[str, str]:
        """Return the environment for pg_dump/pg_restore: the password never reaches argv."""
        # What is unset here libpq reads from PG* variables, as Django's does.
        env = dict(os.environ)
        for key, value in {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
            **{f"PG{key.upper()}": value for key, value in self.ssl},
        }.items():
            if value:
                env[key] = value
        return env

    def pg_connect(self, **kwargs):
        import psycopg

        params = {"dbname": self.name, "host": self.host, "port": self.port, "user": self.user}
        params = {key: value for key, value in params.items() if value}
        if self.password:
            params["password"] = self.password
        return psycopg.connect(**params, **dict(self.ssl), **kwargs)

    def sqlite_connect(self, *, read_only: bool = False) -> sqlite3.Connection:
        name = self.name
        if name.startswith("file:"):  # Django's in-memory test database, shared by URI
            return sqlite3.connect(name, uri=True)
        if read_only:
            return sqlite3.connect(f"{Path(name).resolve().as_uri()}?mode=ro", uri=True)
        return sqlite3.connect(name)


# --- What a dump saw ----------------------------------------------------------------------------


@dataclass
class _Snapshot:
    tables: dict[str, int]
    referenced: set[str]
    migrations: dict[str, str]


def _snapshot_read(
    *,
    tables: dict[str, int],
    file_names: Callable[[str, str], Iterable[tuple]],
    execute: Callable[[str], Iterable[tuple]],
) -> _Snapshot:
    """Read, through the dump's own connection, the files its rows name and its migrations."""
    referenced = _referenced_files(file_names, tables)
    migrations = (
        _migration_heads(execute("SELECT app, name FROM django_migrations"))
        if "django_migrations" in tables
        else {}
    )
    return _Snapshot(tables=tables, referenced=referenced, migrations=migrations)


def _file_columns() -> list[tuple[str, str]]:
    """Return (table, column) for every FileField of every installed model."""
    columns = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                columns.append((model._meta.db_table, model_field.column))
    return sorted(columns)


def _referenced_files(execute, tables: Iterable[str]) -> set[str]:
    """Return the storage names that FileFields in the database refer to."""
    present = set(tables)
    names: set[str] = set()
    for table, column in _file_columns():
        if table not in present:
            continue
        names.update(row[0] for row in execute(table, column) if row[0])
    return names


def _migration_heads(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    heads: dict[str, str] = {}
    for app, name in rows:
        if name > heads.get(app, ""):
            heads[app] = name
    return dict(sorted(heads.items()))
