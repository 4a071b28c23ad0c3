"""The one upload pipeline: check, scan, store privately, record; and open for download.

    stored = upload_accept(file=request.FILES["file"], policy="evidence", by=request.user,
                           owner=partnership_exercise, request=request)

All or nothing: when a check refuses the file, nothing is stored and nothing is written; when the
database write fails, the stored bytes are deleted again.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import StoredFile
from core.services import audit_record
from core.uploads.detection import CHUNK_BYTES, Detection, Unrecognised, detect
from core.uploads.errors import (
    EMPTY,
    INFECTED,
    NOT_ALLOWED,
    NOT_SCANNED,
    REJECTED,
    TOO_LARGE,
    UNRECOGNISED,
    UploadRejected,
)
from core.uploads.names import name_check, name_sanitise
from core.uploads.policies import UploadPolicy, policy_get
from core.uploads.scanning import ScannerUnavailable, scanner_get

logger = logging.getLogger(__name__)

ONLY_PENDING_CAN_BE_SCANNED = "Only a file waiting for a virus check can be scanned."
STORAGE_FAILED = (
    "The selected file could not be saved: the file store is full or cannot be written to. "
    "Nothing has been uploaded. Try again later; if it fails again, tell the service desk."
)


@dataclass(frozen=True)
class UploadCheck:
    """What the checks found: the file's kind, its safe name and its size."""

    policy: UploadPolicy
    detection: Detection
    original_name: str
    safe_name: str
    size: int


def _size_of(file: File) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    return size


def upload_check(*, file: File, policy: "str | UploadPolicy") -> UploadCheck:
    """Run every content check on `file` for `policy`; raise UploadRejected on the first failure.

    Cheapest first: size, then the name, then the content (leading bytes, and for ZIP-based
    Office files the ZIP directory and content types; for CSV, one decoding pass).
    """
    policy = policy_get(policy)
    size = _size_of(file)
    if size == 0:
        raise UploadRejected(EMPTY, code="empty")
    if size > policy.max_bytes:
        raise UploadRejected(TOO_LARGE.format(limit=policy.size_label), code="too_large")
    name = file.name or ""
    name_check(name)
    try:
        detection = detect(file)
    except Unrecognised:
        raise UploadRejected(
            UNRECOGNISED.format(allowed=policy.allowed_description), code="unrecognised"
        ) from None
    if detection.kind not in policy.kinds:
        raise UploadRejected(
            NOT_ALLOWED.format(allowed=policy.allowed_description), code="not_allowed"
        )
    return UploadCheck(
        policy=policy,
        detection=detection,
        original_name=name[:255],
        safe_name=name_sanitise(name, extension=detection.extension),
        size=size,
    )


def _sha256(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(CHUNK_BYTES):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def upload_accept(
    *,
    file: File,
    policy: "str | UploadPolicy",
    by,
    owner: models.Model | None = None,
    request=None,
) -> StoredFile:
    """Check, scan and store an uploaded file; return its StoredFile (clean, or pending when the
    scanner could not answer). Raise UploadRejected, having stored nothing, if it is refused."""
    if owner is not None and owner.pk is None:
        raise ValueError("Save the owner before attaching files to it.")
    check = upload_check(file=file, policy=policy)
    try:
        result = scanner_get().scan(file)
    except ScannerUnavailable as error:
        logger.warning("Virus scanner unavailable; upload kept pending: %s", error)
        scan_state, scan_detail, scanned_at = StoredFile.ScanState.PENDING, "", None
    else:
        if not result.clean:
            logger.warning(
                "Upload refused by the virus scanner (policy %s, user %s): %s",
                check.policy.code,
                getattr(by, "pk", None),
                result.detail,
            )
            raise UploadRejected(INFECTED, code="infected")
        scan_state, scan_detail, scanned_at = (
            StoredFile.ScanState.CLEAN,
            result.detail[:300],
            timezone.now(),
        )

    stored = StoredFile(
        id=uuid.uuid4(),
        purpose=check.policy.code,
        original_name=check.original_name,
        safe_name=check.safe_name,
        kind=str(check.detection.kind),
        content_type=check.detection.content_type,
        size=check.size,
        sha256=_sha256(file),
        scan_state=scan_state,
        scan_detail=scan_detail,
        scanned_at=scanned_at,
        uploaded_by=by,
    )
    if owner is not None:
        stored.owner = owner
    file.seek(0)
    path = stored.file.field.generate_filename(stored, check.safe_name)
    try:
        stored.file.save(check.safe_name, file, save=False)
        with transaction.atomic():
            stored.save(force_insert=True)
            audit_record(
                action="file_uploaded",
                actor=by,
                obj=stored,
                request=request,
                new={
                    "purpose": stored.purpose,
                    "kind": stored.kind,
                    "size": stored.size,
                    "sha256": stored.sha256,
                    "scan_state": stored.scan_state,
                    "owner": _owner_label(owner),
                },
            )
    except BaseException as error:
        # Whatever reached the storage (perhaps only part of it) goes again.
        _delete_quietly(stored.file.storage, stored.file.name or path)
        if isinstance(error, OSError):
            # A full disk (ENOSPC) or a store that cannot be written (EACCES, EROFS).
            logger.exception("Upload could not be stored (policy %s)", check.policy.code)
            raise UploadRejected(STORAGE_FAILED, code="storage_failed") from error
        raise
    return stored


def _delete_quietly(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Could not delete %s from the file store", name, exc_info=True)


def _owner_label(owner: models.Model | None) -> str:
    return f"{owner._meta.label_lower}:{owner.pk}" if owner is not None else ""


def stored_file_open(*, stored_file: StoredFile, by, request=None) -> IO[bytes]:
    """Open a clean stored file for reading and record who downloaded it.

    Whether `by` may see it is the caller's check (the `core.download_file` permission)."""
    if stored_file.scan_state == StoredFile.ScanState.PENDING:
        raise ApplicationError(NOT_SCANNED)
    if stored_file.scan_state != StoredFile.ScanState.CLEAN:
        raise ApplicationError(REJECTED)
    handle = stored_file.file.storage.open(stored_file.file.name, "rb")
    audit_record(action="file_downloaded", actor=by, obj=stored_file, request=request)
    return handle


def stored_file_scan(*, stored_file: StoredFile) -> StoredFile:
    """Ask the scanner again about a pending file: clean, rejected (content deleted), or still
    pending if the scanner is still unavailable."""
    with transaction.atomic():
        stored_file = StoredFile.objects.select_for_update().get(pk=stored_file.pk)
        if stored_file.scan_state != StoredFile.ScanState.PENDING:
            raise ApplicationError(ONLY_PENDING_CAN_BE_SCANNED)
        try:
            with stored_file.file.storage.open(stored_file.file.name, "rb") as handle:
                result = scanner_get().scan(handle)
        except ScannerUnavailable as error:
            logger.warning(
                "Virus scanner unavailable; file %s still pending: %s", stored_file.pk, error
            )
            return stored_file
        old = stored_file.scan_state
        stored_file.scan_state = (
            StoredFile.ScanState.CLEAN if result.clean else StoredFile.ScanState.REJECTED
        )
        stored_file.scan_detail = result.detail[:300]
        stored_file.scanned_at = timezone.now()
        stored_file.save(update_fields=["scan_state", "scan_detail", "scanned_at"])
        audit_record(
            action="file_scanned",
            obj=stored_file,
            actor_label="virus scanner",
            old={"scan_state": old},
            new={"scan_state": stored_file.scan_state},
            detail=stored_file.scan_detail,
        )
        if not result.clean:
            name = stored_file.file.name
            transaction.on_commit(lambda: stored_file.file.storage.delete(name))
    return stored_file
