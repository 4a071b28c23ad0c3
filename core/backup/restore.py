"""Restore a backup into an empty installation, then check it against the manifest."""

import shutil
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings

from core.backup.database import Database
from core.backup.errors import (
    COUNT_MISMATCH,
    DATABASE_NOT_EMPTY,
    ENGINE_MISMATCH,
    FILE_CHANGED,
    MEDIA_NOT_EMPTY,
    BackupError,
)
from core.backup.files import _copy_hashing, _safe_relative, _sha256, _walk_files
from core.backup.manifest import FILES_DIR, backup_verify
from core.backup.postgres import _pg_counts, _pg_relations, _restore_postgresql
from core.backup.results import RestoreResult
from core.backup.sqlite import _restore_sqlite, _sqlite_counts, _sqlite_relations


def _check_database_empty(database: Database) -> None:
    if database.engine == "postgresql":
        count, example = _pg_relations(database)
    else:
        count, example = _sqlite_relations(database)
    if count:
        raise BackupError(
            DATABASE_NOT_EMPTY.format(name=database.name, count=count, example=example)
        )


def _check_media_empty(media_root: Path) -> None:
    if media_root.exists() and (not media_root.is_dir() or any(media_root.iterdir())):
        raise BackupError(MEDIA_NOT_EMPTY.format(path=media_root))


def _counts(database: Database) -> dict[str, int]:
    if database.engine == "postgresql":
        return _pg_counts(database)
    return _sqlite_counts(database)


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
