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

The modules, each importing only those above it:
- `errors`: `BackupError` and every message it carries.
- `database`: `Database` (how to reach one) and what a dump saw (`_Snapshot`).
- `files`: listing, copying while hashing, and checking stored files.
- `postgres`, `sqlite`: dumping, loading, counting and listing tables for each engine.
- `results`: `BackupResult`, `RestoreResult` and their summaries.
- `manifest`: the manifest format, writing it and `backup_verify`.
- `create` (`backup_create`) and `restore` (`backup_restore`).

Import from `core.backup`; patch a name in the module that uses it (e.g.
`core.backup.postgres.PG_DUMP`), not here.
"""

from core.backup.create import backup_create
from core.backup.database import Database
from core.backup.errors import (
    BACKUP_DIR_IN_MEDIA,
    COUNT_MISMATCH,
    DATABASE_NOT_EMPTY,
    ENGINE_MISMATCH,
    FILE_CHANGED,
    FILE_MISSING,
    FILE_UNEXPECTED,
    FOLDER_EXISTS,
    MANIFEST_UNREADABLE,
    MEDIA_NOT_EMPTY,
    NO_MANIFEST,
    NO_SUCH_FOLDER,
    PG_DUMP_FAILED,
    PG_RESTORE_FAILED,
    STORAGE_NOT_FILES,
    UNSAFE_PATH,
    UNSUPPORTED_ENGINE,
    WRONG_FORMAT,
    BackupError,
)
from core.backup.files import _walk_files as _walk_files
from core.backup.manifest import (
    DUMP_NAMES,
    FILES_DIR,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_NAME,
    backup_verify,
)
from core.backup.postgres import PG_DUMP, PG_RESTORE
from core.backup.postgres import _restore_postgresql as _restore_postgresql
from core.backup.restore import backup_restore
from core.backup.results import BackupResult, RestoreResult

__all__ = [
    "BACKUP_DIR_IN_MEDIA",
    "COUNT_MISMATCH",
    "DATABASE_NOT_EMPTY",
    "DUMP_NAMES",
    "ENGINE_MISMATCH",
    "FILES_DIR",
    "FILE_CHANGED",
    "FILE_MISSING",
    "FILE_UNEXPECTED",
    "FOLDER_EXISTS",
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST_NAME",
    "MANIFEST_UNREADABLE",
    "MEDIA_NOT_EMPTY",
    "NO_MANIFEST",
    "NO_SUCH_FOLDER",
    "PG_DUMP",
    "PG_DUMP_FAILED",
    "PG_RESTORE",
    "PG_RESTORE_FAILED",
    "STORAGE_NOT_FILES",
    "UNSAFE_PATH",
    "UNSUPPORTED_ENGINE",
    "WRONG_FORMAT",
    "BackupError",
    "BackupResult",
    "Database",
    "RestoreResult",
    "backup_create",
    "backup_restore",
    "backup_verify",
]
