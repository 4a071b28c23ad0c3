"""Writes for documents: request, render, retry, and the reaper that finds lost renders.

The Document row is the source of truth. A request creates the row and sends a Celery message
when the transaction commits; the message is only a nudge. A render claims the row under a row
lock (so a duplicate delivery does nothing), renders outside the lock, and stores the file in a
second short transaction that checks the claim is still its own. The reaper sends the nudge
again for rows left queued or rendering past the timeout (a worker killed mid-render, a broker
restarted), so nothing is lost, and the file name is fixed per document, so rendering twice
never leaves two files.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from reports.kinds import DocumentKind, kind_get
from reports.models import Document
from reports.rendering import DocumentRenderError, render_pdf
from reports.tasks import document_render as document_render_task

logger = logging.getLogger(__name__)

ONLY_FAILED_CAN_BE_RETRIED = "Only a document that failed can be made again."
SUBJECT_GONE = "The {label} could not be made because what it is about no longer exists."
TOO_SLOW = (
    "Making the document took too long and was stopped. Try again; if it fails again, "
    "contact the service desk."
)
TOO_MANY_ATTEMPTS = (
    "The document could not be made after {attempts} attempts. Try again; if it fails again, "
    "contact the service desk."
)
UNEXPECTED = (
    "Something went wrong while making the document. Try again; if it fails again, contact the "
    "service desk and quote document number {id}."
)
STORAGE_FAILED = (
    "The PDF could not be stored: the document store is full or cannot be written to. Ask the "
    "service desk to free space, then try again."
)
WORKER_LABEL = "Document worker"


def render_timeout() -> timedelta:
    return timedelta(seconds=settings.DOCUMENT_RENDER_TIMEOUT_SECONDS)


def document_file_name(document: Document) -> str:
    """Return the document's fixed storage path: one document, one file name, ever."""
    return f"documents/{document.kind}/{document.pk}.pdf"


def _send(document_id: int) -> None:
    """Send the render message now, or leave the row for the reaper's next run.

    The person asking waits at most about DOCUMENT_PUBLISH_TIMEOUT_SECONDS for a broker that is
    down or hung: the message goes over a connection of its own with short socket timeouts and
    no retry. Celery's defaults would retry for 0.7 s on a refused connection and wait
    for ever on a Redis that accepts connections but does not answer (kombu sets no socket
    timeout). A connection opened for the message is never a stale one left from before a Redis
    restart, so one attempt is enough while Redis is up.
    """
    app = document_render_task.app
    try:
        if app.conf.task_always_eager:
            document_render_task.delay(document_id)
            return
        timeout = settings.DOCUMENT_PUBLISH_TIMEOUT_SECONDS
        with app.connection_for_write(
            connect_timeout=timeout,
            transport_options={
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
                "max_retries": 0,  # of connecting: kombu would otherwise wait 2 s and retry
            },
        ) as connection:
            document_render_task.apply_async((document_id,), connection=connection, retry=False)
    except Exception:
        # The row stays queued with no send time, so the reaper's next run (every minute, once
        # the broker is back) sends it without waiting for the render timeout.
        logger.warning("Document %s: could not send the render message now", document_id)
        Document.objects.filter(pk=document_id, state=Document.State.QUEUED).update(
            enqueued_at=None
        )


def _enqueue_on_commit(document: Document) -> None:
    document.enqueued_at = timezone.now()
    document.save(update_fields=["enqueued_at"])
    transaction.on_commit(partial(_send, document.pk))


def document_request(*, kind: str, subject, by, request=None) -> Document:
    """Ask for a document about `subject`; return it, queued, or as it already is.

    The same revision of the same subject is made once: a second request returns the queued,
    rendering or ready document, and a request for a failed one tries it again.
    """
    document_kind = kind_get(kind)
    document_kind.check_subject(subject)
    version = document_kind.subject_version(subject)
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    lookup = {
        "kind": document_kind.code,
        "subject_type": subject_type,
        "subject_id": subject.pk if subject is not None else None,
        "version": version,
    }
    with transaction.atomic():
        existing = Document.objects.select_for_update().filter(**lookup).first()
        if existing is not None:
            if existing.state == Document.State.FAILED:
                return _retry(existing, by=by, request=request)
            return existing
        try:
            with transaction.atomic():
                document = Document.objects.create(
                    **lookup, title=document_kind.title(subject), requested_by=by
                )
        except IntegrityError:
            # Someone else asked for the same revision at the same moment: theirs it is.
            return Document.objects.get(**lookup)
        _enqueue_on_commit(document)
        audit_record(
            action="document_requested",
            actor=by,
            obj=document,
            new={"kind": document.kind, "version": version},
            request=request,
        )
    return document


def document_retry(*, document: Document, by, request=None) -> Document:
    """Queue a failed document again."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        return _retry(locked, by=by, request=request)


def _retry(document: Document, *, by, request=None) -> Document:
    if document.state != Document.State.FAILED:
        raise ApplicationError(ONLY_FAILED_CAN_BE_RETRIED)
    old_reason = document.failure_reason
    document.state = Document.State.QUEUED
    document.failure_reason = ""
    document.claimed_at = None
    document.attempts = 0
    document.save(update_fields=["state", "failure_reason", "claimed_at", "attempts"])
    _enqueue_on_commit(document)
    audit_record(
        action="document_retried",
        actor=by,
        obj=document,
        old={"state": "failed", "reason": old_reason},
        new={"state": "queued"},
        request=request,
    )
    return document


@dataclass(frozen=True)
class _Claim:
    document: Document
    attempt: int


def _claim(document_id: int) -> _Claim | None:
    """Take the document for this render, or return None if there is nothing to do."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.state in {Document.State.READY, Document.State.FAILED}:
            return None
        now = timezone.now()
        if (
            document.state == Document.State.RENDERING
            and document.claimed_at is not None
            and document.claimed_at > now - render_timeout()
        ):
            return None  # another delivery of the same message is rendering it now
        document.state = Document.State.RENDERING
        document.claimed_at = now
        document.attempts += 1
        document.save(update_fields=["state", "claimed_at", "attempts"])
        return _Claim(document=document, attempt=document.attempts)


def document_html(*, document: Document, kind: DocumentKind | None = None) -> str:
    """Return the HTML a document is rendered from."""
    kind = kind or kind_get(document.kind)
    subject = document.subject
    if kind.subject_model and subject is None:
        raise ApplicationError(SUBJECT_GONE.format(label=kind.label))
    context = {
        **kind.build_context(subject),
        "document": document,
        "title": document.title,
        "author": settings.DOCUMENT_AUTHOR,
        "language": kind.language,
        "service_name": settings.SERVICE_NAME,
    }
    return render_to_string(kind.template_name, context)


def _failure_reason(document: Document, error: BaseException) -> str:
    if isinstance(error, DocumentRenderError | ApplicationError):
        return error.message
    if isinstance(error, SoftTimeLimitExceeded):
        return TOO_SLOW
    return UNEXPECTED.format(id=document.pk)


def document_render(*, document_id: int) -> Document | None:
    """Render a queued document into its PDF file; do nothing if it is not this call's to do."""
    claim = _claim(document_id)
    if claim is None:
        return None
    document = claim.document
    try:
        kind = kind_get(document.kind)
        rendered = render_pdf(
            html=document_html(document=document, kind=kind),
            title=document.title,
            author=settings.DOCUMENT_AUTHOR,
            language=kind.language,
        )
    except Exception as error:
        logger.exception("Document %s: render failed", document_id)
        return _finish_failed(claim, reason=_failure_reason(document, error))
    try:
        return _finish_ready(claim, pdf=rendered.pdf, page_count=rendered.page_count)
    except OSError:
        # A full disk (ENOSPC) or a store that cannot be written (EACCES, EROFS): trying again
        # will not help until someone frees space, so the document fails with a reason to act on.
        logger.exception("Document %s: the PDF could not be stored", document_id)
        return _finish_failed(claim, reason=STORAGE_FAILED)


def _still_claimed(claim: _Claim) -> Document | None:
    document = Document.objects.select_for_update().filter(pk=claim.document.pk).first()
    if (
        document is None
        or document.state != Document.State.RENDERING
        or document.attempts != claim.attempt
    ):
        # The reaper gave the document to a newer render, which stores its own file.
        logger.info("Document %s: render %s superseded", claim.document.pk, claim.attempt)
        return None
    return document


def _finish_ready(claim: _Claim, *, pdf: bytes, page_count: int) -> Document | None:
    with transaction.atomic():
        document = _still_claimed(claim)
        if document is None:
            return None
        name = document_file_name(document)
        storage = document.file.storage
        for stale in {name, document.file.name} - {""}:
            if storage.exists(stale):
                storage.delete(stale)  # left by a render that died before it committed
        saved = None
        try:
            saved = storage.save(name, ContentFile(pdf))
            if saved != name:
                raise RuntimeError(f"Storage saved {saved!r} instead of {name!r}")
            document.file.name = name
            document.sha256 = hashlib.sha256(pdf).hexdigest()
            document.page_count = page_count
            document.size = len(pdf)
            document.rendered_at = timezone.now()
            document.state = Document.State.READY
            document.failure_reason = ""
            document.save()
            audit_record(
                action="document_rendered",
                obj=document,
                new={"sha256": document.sha256, "pages": page_count, "bytes": len(pdf)},
                actor_label=WORKER_LABEL,
            )
        except BaseException:
            # Whatever reached the store, perhaps only part of the file, goes again.
            _delete_quietly(storage, saved or name)
            raise
    return document


def _delete_quietly(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Could not delete %s from the document store", name, exc_info=True)


def _finish_failed(claim: _Claim, *, reason: str) -> Document | None:
    with transaction.atomic():
        document = _still_claimed(claim)
        if document is None:
            return None
        document.state = Document.State.FAILED
        document.failure_reason = reason
        document.claimed_at = None
        document.save(update_fields=["state", "failure_reason", "claimed_at"])
        audit_record(
            action="document_failed", obj=document, detail=reason, actor_label=WORKER_LABEL
        )
    return document


def documents_reap(*, older_than: timedelta | None = None) -> list[int]:
    """Send the render message again for documents left queued or rendering too long.

    A document left rendering goes back to the queue (its worker is gone, or past its time
    limit); one that has been claimed too often is marked failed instead, so a document that
    kills its worker every time is not tried forever. Return the ids sent again.
    """
    cutoff = timezone.now() - (older_than if older_than is not None else render_timeout())
    max_attempts = settings.DOCUMENT_RENDER_MAX_ATTEMPTS
    sent = []
    with transaction.atomic():
        stale = Document.objects.select_for_update(skip_locked=True).filter(
            Q(state=Document.State.QUEUED)
            & (Q(enqueued_at__lt=cutoff) | Q(enqueued_at__isnull=True))
            | Q(state=Document.State.RENDERING)
            & (Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True))
        )
        for document in stale:
            if document.state == Document.State.RENDERING:
                if document.attempts >= max_attempts:
                    document.state = Document.State.FAILED
                    document.failure_reason = TOO_MANY_ATTEMPTS.format(attempts=document.attempts)
                    document.claimed_at = None
                    document.save(update_fields=["state", "failure_reason", "claimed_at"])
                    audit_record(
                        action="document_failed",
                        obj=document,
                        detail=document.failure_reason,
                        actor_label=WORKER_LABEL,
                    )
                    continue
                document.state = Document.State.QUEUED
                document.claimed_at = None
                document.save(update_fields=["state", "claimed_at"])
            logger.info("Document %s: sending the render message again", document.pk)
            _enqueue_on_commit(document)
            sent.append(document.pk)
    return sent
