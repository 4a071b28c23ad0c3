"""The error backups and restores raise, and every message it carries (tests assert on these)."""

from core.exceptions import ApplicationError

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
