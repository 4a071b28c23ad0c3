"""Celery entry points for documents. Logic lives in reports.services.

Tasks take a document's id only. The render task is acknowledged late, so a worker that dies
mid-render leaves its message to be delivered again; the reaper (Celery beat) covers the cases
a redelivery does not, and the service makes a second delivery do nothing.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=3,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    soft_time_limit=240,
    time_limit=300,
)
def document_render(self, document_id: int) -> None:
    from reports.services import document_render as render  # avoid the services<->tasks cycle

    render(document_id=document_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def documents_reap() -> None:
    from reports.services import documents_reap as reap

    reap()
