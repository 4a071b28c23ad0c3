"""Celery entry points for improvement plans. Logic lives in improvement.services.

settings.CELERY_BEAT_SCHEDULE runs `overdue_reminders_send` each morning; the service sends at most
one reminder a week per action.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    acks_late=True,
    max_retries=3,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    soft_time_limit=240,
    time_limit=300,
)
def overdue_reminders_send() -> int:
    from improvement.services import overdue_reminders_send as send

    return send()
