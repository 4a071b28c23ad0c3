"""Back up the database and the stored files together; restore them into an empty installation.

A backup is a folder `<BACKUP_DIR>/<UTC timestamp>/` holding the database (`database.dump`, a
PostgreSQL custom-format dump, or `database.sqlite3`), a copy of every file under MEDIA_ROOT in
`files/`, and `manifest.json`: the SHA-256 and size of the dump and of every file, and the row
count of every table. The database is dumped first, from one snapshot; the row counts and the
files the database refers to are read from that same snapshot; the files are copied afterwards.
Stored files are written once under fixed names before the row that names them commits, so a
file written after the snapshot is an orphan, never a missing file (ADR 0012). The manifest is
written last and the folder renamed from `<stamp>.partial`, so a half-written backup never looks
complete.

A restore checks every hash before writing anything, refuses a target that is not empty, copies
the files, loads the database in one transaction (removing the copied files again if that
fails), then counts and hashes what it restored against the manifest.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import connections, models

from core.exceptions import ApplicationError

FORMAT = "justice-scrutiny-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
FILES_DIR = "files"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK_BYTES = 1024 * 1024
STDERR_LINES = 5
SSL_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey"}  # each has a PG<NAME> variable
PG_DUMP = os.environ.get("PG_DUMP", "/usr/bin/pg_dump")
PG_RESTORE = os.environ.get("PG_RESTORE", "/usr/bin/pg_restore")

UNSUPPORTED_ENGINE = "Backups work with PostgreSQL and SQLite only, not {engine}."
STORAGE_NOT_FILES = (
    "Backups copy stored files from MEDIA_ROOT, but this installation stores files with "
    "{backend}. Nothing was written: back up that store with its own tools instead."
)
BACKUP_DIR_IN_MEDIA = (
    "BACKUP_DIR ({backup_dir}) is inside MEDIA_ROOT ({media_root}), so every backup would copy "
    "the ones before it. Set BACKUP_DIR to a folder outside MEDIA_ROOT."
)
FOLDER_EXISTS = "A backup folder {folder} already exists. Wait a second and try again."
PG_DUMP_FAILED = "pg_dump could not dump the database. Its last words were:\n{stderr}"
NO_SUCH_FOLDER = "There is no backup folder at {folder}."
NO_MANIFEST = (
    "{folder} has no manifest.json, so it is not a complete backup (a backup that stopped "
    "half-way has none)."
)
MANIFEST_UNREADABLE = "The manifest in {folder} cannot be read: {error}."
WRONG_FORMAT = (
    "The manifest in {folder} is of backup format {found}; this version of the service restores "
    "format {expected} only."
)
UNSAFE_PATH = "The manifest names a file outside the backup folder ({path}); nothing was restored."
FILE_MISSING = "The backup is damaged: {path} is missing. Nothing was restored."
FILE_CHANGED = (
    "The backup is damaged: {path} does not match the hash in the manifest. Nothing was restored."
)
FILE_UNEXPECTED = (
    "The backup has a file the manifest does not list ({path}), so it may have been tampered "
    "with. Nothing was restored."
)
ENGINE_MISMATCH = (
    "The backup holds a {backup} database but this installation uses {target}. Restore it into "
    "a {backup} database."
)
DATABASE_NOT_EMPTY = (
    "The database {name} is not empty: it holds {count} tables, sequences or views (for "
    "example {example}). Restore only into an empty database: create a new one and point "
    "DATABASE_URL at it."
)
MEDIA_NOT_EMPTY = (
    "The file storage {path} is not empty. Restore only into an empty or missing MEDIA_ROOT."
)
PG_RESTORE_FAILED = (
    "pg_restore could not load the database; nothing was restored. Its last words were:\n{stderr}"
)
COUNT_MISMATCH = (
    "The restore finished but does not match the manifest: {detail}. Do not use this "
    "installation; empty it and restore again."
)


class BackupError(ApplicationError):
    """A backup or restore was refused or failed; `message` says what to do."""


# --- Where the database is ----------------------------------------------------------------------


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
        env = dict(
            os.environ
        )  # what is unset here libpq reads from PG* variables, as Django's does
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


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


# --- Results ------------------------------------------------------------------------------------


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
        return (
            f"Backup written to {self.folder}: {_count(self.tables, 'table')}, "
            f"{_count(self.rows, 'row')}, {_count(self.files, 'file')}, "
            f"{_count(self.bytes, 'byte')}."
        )


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int
    missing_files: list[str]

    @property
    def summary(self) -> str:
        return (
            f"Restored {_count(self.tables, 'table')}, {_count(self.rows, 'row')}, "
            f"{_count(self.files, 'file')}; every count and hash matches the manifest."
        )


# --- Hashing and copying ------------------------------------------------------------------------


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _copy_hashing(source: Path, target: Path, *, mode: int) -> tuple[str, int]:
    """Copy one file, returning the SHA-256 and size of the bytes written."""
    reader = source.open("rb")  # first, so a file deleted meanwhile leaves nothing behind
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with reader, os.fdopen(descriptor, "wb") as writer:
        while chunk := reader.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
    return digest.hexdigest(), size


def _walk_files(root: Path) -> Iterator[Path]:
    """Yield every regular file under root (symbolic links are not followed), sorted."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _tail(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return "\n".join(lines[-STDERR_LINES:]) or "(nothing)"


# --- Reading the database -----------------------------------------------------------------------

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
_SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
)


def _pg_table_counts(connection) -> dict[str, int]:
    from psycopg import sql

    counts = {}
    for schema, table in connection.execute(_PG_TABLES).fetchall():
        key = table if schema == "public" else f"{schema}.{table}"
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
        counts[key] = connection.execute(query).fetchone()[0]
    return counts


def _sqlite_table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    counts = {}
    for (table,) in connection.execute(_SQLITE_TABLES).fetchall():
        quoted = '"' + table.replace('"', '""') + '"'
        counts[table] = connection.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
    return counts


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


def _pg_file_names(connection):
    from psycopg import sql

    def execute(table: str, column: str):
        query = sql.SQL("SELECT {column} FROM {table} WHERE {column} <> ''").format(
            column=sql.Identifier(column), table=sql.Identifier(table)
        )
        return connection.execute(query).fetchall()

    return execute


def _sqlite_file_names(connection: sqlite3.Connection):
    def execute(table: str, column: str):
        return connection.execute(
            f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\''  # noqa: S608
        ).fetchall()

    return execute


def _migration_heads(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    heads: dict[str, str] = {}
    for app, name in rows:
        if name > heads.get(app, ""):
            heads[app] = name
    return dict(sorted(heads.items()))


def _git_commit() -> str | None:
    git = shutil.which("git")
    if not git:
        return None
    try:
        result = subprocess.run(  # noqa: S603
            [git, "rev-parse", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


# --- Backup ---------------------------------------------------------------------------------


@dataclass
class _Snapshot:
    tables: dict[str, int]
    referenced: set[str]
    migrations: dict[str, str]


def _dump_postgresql(database: Database, target: Path) -> _Snapshot:
    from psycopg import IsolationLevel

    with database.pg_connect() as connection:
        connection.isolation_level = IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        # pg_dump takes this transaction's snapshot, so the dump, the row counts and the file
        # names below all describe the same moment.
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        result = subprocess.run(  # noqa: S603
            [
                PG_DUMP,
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            env=database.pg_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(PG_DUMP_FAILED.format(stderr=_tail(result.stderr)))
        tables = _pg_table_counts(connection)
        referenced = _referenced_files(_pg_file_names(connection), tables)
        migrations = (
            _migration_heads(connection.execute("SELECT app, name FROM django_migrations"))
            if "django_migrations" in tables
            else {}
        )
        connection.rollback()
    return _Snapshot(tables=tables, referenced=referenced, migrations=migrations)


def _dump_sqlite(database: Database, target: Path) -> _Snapshot:
    source = database.sqlite_connect()
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: one consistent copy
        tables = _sqlite_table_counts(copy)
        referenced = _referenced_files(_sqlite_file_names(copy), tables)
        migrations = (
            _migration_heads(copy.execute("SELECT app, name FROM django_migrations"))
            if "django_migrations" in tables
            else {}
        )
    finally:
        copy.close()
        source.close()
    return _Snapshot(tables=tables, referenced=referenced, migrations=migrations)


def backup_create(
    *,
    backup_dir: Path | None = None,
    database: Database | None = None,
    media_root: Path | None = None,
    now: dt.datetime | None = None,
) -> BackupResult:
    """Write a backup folder under backup_dir (settings.BACKUP_DIR) and return what it holds."""
    database = database or Database.default()
    backup_dir = Path(backup_dir or settings.BACKUP_DIR)
    if media_root is None:
        backend = settings.STORAGES["default"]["BACKEND"]
        if backend != "django.core.files.storage.FileSystemStorage":
            raise BackupError(STORAGE_NOT_FILES.format(backend=backend))
        media_root = Path(settings.MEDIA_ROOT)
    media_root = Path(media_root)
    if backup_dir.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(BACKUP_DIR_IN_MEDIA.format(backup_dir=backup_dir, media_root=media_root))
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    folder = backup_dir / stamp
    partial = backup_dir / f"{stamp}.partial"
    if folder.exists() or partial.exists():
        raise BackupError(FOLDER_EXISTS.format(folder=folder))
    backup_dir.mkdir(parents=True, exist_ok=True)
    # Backups hold everything the database holds: readable by the service account only.
    partial.mkdir(mode=0o700)
    try:
        dump_name = DUMP_NAMES[database.engine]
        dump_path = partial / dump_name
        if database.engine == "postgresql":
            snapshot = _dump_postgresql(database, dump_path)
        else:
            snapshot = _dump_sqlite(database, dump_path)
        dump_path.chmod(0o600)
        dump_sha256, dump_size = _sha256(dump_path)

        files: dict[str, dict] = {}
        (partial / FILES_DIR).mkdir(mode=0o700)
        if media_root.is_dir():
            for source in _walk_files(media_root):
                relative = source.relative_to(media_root).as_posix()
                try:
                    sha256, size = _copy_hashing(source, partial / FILES_DIR / relative, mode=0o600)
                except FileNotFoundError:
                    continue  # deleted since the folder was listed: as if deleted before
                files[relative] = {"sha256": sha256, "size": size}
        missing = sorted(snapshot.referenced - files.keys())

        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "app": {"git_commit": _git_commit(), "migrations": snapshot.migrations},
            "database": {
                "engine": database.engine,
                "file": dump_name,
                "sha256": dump_sha256,
                "size": dump_size,
                "tables": snapshot.tables,
            },
            "files": files,
            # Named by a row in the dump but absent from storage when the files were copied.
            "missing_files": missing,
        }
        manifest_path = partial / MANIFEST_NAME
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
        manifest_path.chmod(0o600)
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(
        folder=folder,
        tables=len(snapshot.tables),
        rows=sum(snapshot.tables.values()),
        files=len(files),
        bytes=dump_size + sum(entry["size"] for entry in files.values()),
        missing_files=missing,
    )


# --- Verify -------------------------------------------------------------------------------------


def _safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or relative.is_absolute()
        or any(part in {"", ".", ".."} for part in path.split("/"))
    ):
        raise BackupError(UNSAFE_PATH.format(path=path))
    return relative


def _check_file(folder: Path, path: str, entry: Mapping) -> None:
    relative = _safe_relative(path)
    full = folder.joinpath(*relative.parts)
    if not full.is_file() or full.is_symlink():
        raise BackupError(FILE_MISSING.format(path=path))
    sha256, size = _sha256(full)
    if sha256 != entry.get("sha256") or size != entry.get("size"):
        raise BackupError(FILE_CHANGED.format(path=path))


def backup_verify(*, folder: Path) -> dict:
    """Check a backup folder against its manifest and return the manifest; write nothing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(NO_SUCH_FOLDER.format(folder=folder))
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        raise BackupError(NO_MANIFEST.format(folder=folder))
    try:
        manifest = json.loads(manifest_path.read_text())
        found = manifest.get("format_version") if manifest.get("format") == FORMAT else None
    except (ValueError, AttributeError) as error:
        raise BackupError(MANIFEST_UNREADABLE.format(folder=folder, error=error)) from error
    if found != FORMAT_VERSION:
        raise BackupError(
            WRONG_FORMAT.format(folder=folder, found=found or "unknown", expected=FORMAT_VERSION)
        )
    try:
        database = manifest["database"]
        files = manifest["files"]
        database["tables"].items()
        files.items()
        if database["file"] != DUMP_NAMES.get(database["engine"]):
            raise KeyError("database")
    except (KeyError, TypeError, AttributeError) as error:
        raise BackupError(
            MANIFEST_UNREADABLE.format(folder=folder, error=f"no valid {error}")
        ) from error

    _check_file(folder, database["file"], database)
    listed = {f"{FILES_DIR}/{path}" for path in files}
    for path, entry in files.items():
        _check_file(folder, f"{FILES_DIR}/{path}", entry)
    files_dir = folder / FILES_DIR
    if files_dir.is_dir():
        for path in _walk_all(files_dir):
            relative = f"{FILES_DIR}/{path.relative_to(files_dir).as_posix()}"
            if relative not in listed:
                raise BackupError(FILE_UNEXPECTED.format(path=relative))
    return manifest


def _walk_all(root: Path) -> Iterator[Path]:
    """Yield every entry under root that is not a folder (links and devices included)."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield Path(folder) / name


# --- Restore ------------------------------------------------------------------------------------


def _check_database_empty(database: Database) -> None:
    if database.engine == "postgresql":
        with database.pg_connect() as connection:
            count, example = connection.execute(_PG_RELATIONS).fetchone()
    else:
        if not database.name.startswith("file:"):
            path = Path(database.name)
            if not path.exists() or path.stat().st_size == 0:
                return
        connection = database.sqlite_connect()
        try:
            names = [row[0] for row in connection.execute(_SQLITE_TABLES).fetchall()]
        finally:
            connection.close()
        count, example = len(names), (names[0] if names else None)
    if count:
        raise BackupError(
            DATABASE_NOT_EMPTY.format(name=database.name, count=count, example=example)
        )


def _check_media_empty(media_root: Path) -> None:
    if media_root.exists() and (not media_root.is_dir() or any(media_root.iterdir())):
        raise BackupError(MEDIA_NOT_EMPTY.format(path=media_root))


def _restore_postgresql(database: Database, dump: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [
            PG_RESTORE,
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database.name}",
            str(dump),
        ],
        env=database.pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(PG_RESTORE_FAILED.format(stderr=_tail(result.stderr)))


def _restore_sqlite(database: Database, dump: Path) -> None:
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    target = database.sqlite_connect()
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _counts(database: Database) -> dict[str, int]:
    if database.engine == "postgresql":
        with database.pg_connect() as connection:
            return _pg_table_counts(connection)
    connection = database.sqlite_connect(read_only=True)
    try:
        return _sqlite_table_counts(connection)
    finally:
        connection.close()


def _compare(expected: Mapping[str, int], found: Mapping[str, int]) -> None:
    for table in sorted(expected.keys() | found.keys()):
        if expected.get(table) != found.get(table):
            detail = (
                f"table {table} has {found.get(table, 'no')} rows where the manifest says "
                f"{expected.get(table, 'none')}"
            )
            raise BackupError(COUNT_MISMATCH.format(detail=detail))


def _remove_copied(media_root: Path, created_root: bool) -> None:
    if created_root:
        shutil.rmtree(media_root, ignore_errors=True)
        return
    for child in media_root.iterdir():  # it was empty before the restore began
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def backup_restore(
    *, folder: Path, database: Database | None = None, media_root: Path | None = None
) -> RestoreResult:
    """Restore a backup folder into an empty database and an empty MEDIA_ROOT, then check it."""
    folder = Path(folder)
    database = database or Database.default()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest = backup_verify(folder=folder)
    engine = manifest["database"]["engine"]
    if engine != database.engine:
        raise BackupError(ENGINE_MISMATCH.format(backup=engine, target=database.engine))
    _check_database_empty(database)
    _check_media_empty(media_root)

    created_root = not media_root.exists()
    mode = getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or 0o640
    try:
        media_root.mkdir(parents=True, exist_ok=True)
        for path, entry in manifest["files"].items():
            relative = _safe_relative(path)
            sha256, size = _copy_hashing(
                folder / FILES_DIR / relative, media_root.joinpath(*relative.parts), mode=mode
            )
            if sha256 != entry["sha256"] or size != entry["size"]:
                raise BackupError(FILE_CHANGED.format(path=f"{FILES_DIR}/{path}"))
        dump = folder / manifest["database"]["file"]
        if engine == "postgresql":
            _restore_postgresql(database, dump)
        else:
            _restore_sqlite(database, dump)
    except BaseException:
        _remove_copied(media_root, created_root)
        raise

    # Check what is now there, read back from the database and the disk.
    expected = manifest["database"]["tables"]
    _compare(expected, _counts(database))
    restored = {path.relative_to(media_root).as_posix(): path for path in _walk_files(media_root)}
    if restored.keys() != manifest["files"].keys():
        extra = sorted(restored.keys() ^ manifest["files"].keys())
        raise BackupError(COUNT_MISMATCH.format(detail=f"the files differ at {extra[0]}"))
    for path, full in restored.items():
        sha256, size = _sha256(full)
        if sha256 != manifest["files"][path]["sha256"]:
            raise BackupError(COUNT_MISMATCH.format(detail=f"{path} has another hash"))
    return RestoreResult(
        tables=len(expected),
        rows=sum(expected.values()),
        files=len(restored),
        missing_files=list(manifest.get("missing_files", [])),
    )
