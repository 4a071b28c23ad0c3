"""Writes for recall interviews: the review team records an interview with a person recalled
to prison against the review's interview schedule.

Interviews are not tied to an area (DOMAIN §11.1). Each is a questionnaire-engine Response
through the review's internal interview link (see throughcare.services.surveys), so it holds
nothing about the person; the interviewer who typed it in is in the audit log.

Once the review's record-level data is deleted under the retention policy (ADR 0011: the
recall interviews go with the review's first area to be deleted), no interview can be
recorded: it would be kept past the policy, and nothing is left for it to join.
"""

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from core.exceptions import ApplicationError
from qi_framework.models import Response, ResponseLink
from retention.selectors import review_record_data_notice
from throughcare.models import ThematicReview
from throughcare.selectors.surveys import CHANNEL_INTERVIEW
from throughcare.services.surveys import internal_form_open, internal_response_submit

__all__ = [
    "RECALL_INTERVIEWS_DELETED",
    "recall_interview_form_open",
    "recall_interview_record",
]

RECALL_INTERVIEWS_DELETED = (
    "Interviews can no longer be recorded for this review. Its record-level data, including "
    "its recall interviews, was deleted on {date} under the retention policy."
)


def _refuse_if_deleted(review: ThematicReview) -> None:
    notice = review_record_data_notice(review=review)
    if notice is not None:
        raise ApplicationError(RECALL_INTERVIEWS_DELETED.format(date=notice.date_text))


def recall_interview_form_open(*, review: ThematicReview, by) -> tuple[ResponseLink, str]:
    """Open the interview form: the internal link and a one-time form token."""
    _refuse_if_deleted(review)
    return internal_form_open(review=review, channel=CHANNEL_INTERVIEW, by=by)


@transaction.atomic
def recall_interview_record(
    *, review: ThematicReview, answers: Mapping[str, Any], form_token: str, by, request=None
) -> Response:
    """Store one recall interview (refused for a replayed or forged form token, and once the
    review's record-level data is deleted)."""
    # The retention run locks the review before it counts and deletes the interviews, so an
    # interview is either stored first (and deleted with the others) or refused here.
    ThematicReview.objects.select_for_update().filter(pk=review.pk).first()
    _refuse_if_deleted(review)
    return internal_response_submit(
        review=review,
        channel=CHANNEL_INTERVIEW,
        answers=answers,
        form_token=form_token,
        by=by,
        request=request,
    )
