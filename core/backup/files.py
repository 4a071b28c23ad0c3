"""Stored files: list them, copy them while hashing, and check a copy against its hash."""

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from core.backup.errors import FILE_CHANGED, FILE_MISSING, UNSAFE_PATH, BackupError

CHUNK_BYTES = 1024 * 1024


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


def _walk_all(root: Path) -> Iterator[Path]:
    """Yield every entry under root that is not a folder (links and devices included)."""
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield Path(folder) / name


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
