"""The manifest: what a backup folder holds (hashes, sizes, row counts), written and verified."""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

from core.backup.database import _Snapshot
from core.backup.errors import (
    FILE_UNEXPECTED,
    MANIFEST_UNREADABLE,
    NO_MANIFEST,
    NO_SUCH_FOLDER,
    WRONG_FORMAT,
    BackupError,
)
from core.backup.files import _check_file, _walk_all

FORMAT = "justice-scrutiny-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
FILES_DIR = "files"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


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


def _manifest_write(
    folder: Path,
    *,
    now: dt.datetime,
    engine: str,
    dump_sha256: str,
    dump_size: int,
    snapshot: _Snapshot,
    files: dict[str, dict],
    missing: list[str],
) -> None:
    """Write folder's manifest.json (readable by its owner only); backup_verify reads it back."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "app": {"git_commit": _git_commit(), "migrations": snapshot.migrations},
        "database": {
            "engine": engine,
            "file": DUMP_NAMES[engine],
            "sha256": dump_sha256,
            "size": dump_size,
            "tables": snapshot.tables,
        },
        "files": files,
        # Named by a row in the dump but absent from storage when the files were copied.
        "missing_files": missing,
    }
    manifest_path = folder / MANIFEST_NAME
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    manifest_path.chmod(0o600)


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
