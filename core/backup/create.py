"""Write a backup: the database from one snapshot, then the stored files, then the manifest."""

import datetime as dt
import shutil
from pathlib import Path

from django.conf import settings

from core.backup.database import Database
from core.backup.errors import (
    BACKUP_DIR_IN_MEDIA,
    FOLDER_EXISTS,
    STORAGE_NOT_FILES,
    BackupError,
)
from core.backup.files import _copy_hashing, _sha256, _walk_files
from core.backup.manifest import DUMP_NAMES, FILES_DIR, _manifest_write
from core.backup.postgres import _dump_postgresql
from core.backup.results import BackupResult
from core.backup.sqlite import _dump_sqlite


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
        dump_path = partial / DUMP_NAMES[database.engine]
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

        _manifest_write(
            partial,
            now=now,
            engine=database.engine,
            dump_sha256=dump_sha256,
            dump_size=dump_size,
            snapshot=snapshot,
            files=files,
            missing=missing,
        )
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
