"""Writes for recall interviews: the review team records an interview with a person recalled
to prison against the review's interview schedule.

Interviews are not tied to an area (DOMAIN §11.1). Each is a questionnaire-engine Response
through the review's internal interview link (see throughcare.services.surveys), so it holds
nothing about the person; the interviewer who typed it in is in the audit log.
"""

from collections.abc import Mapping
from typing import Any

from qi_framework.models import Response, ResponseLink
from throughcare.models import ThematicReview
from throughcare.selectors.surveys import CHANNEL_INTERVIEW
from throughcare.services.surveys import internal_form_open, internal_response_submit

__all__ = ["recall_interview_form_open", "recall_interview_record"]


def recall_interview_form_open(*, review: ThematicReview, by) -> tuple[ResponseLink, str]:
    """Open the interview form: the internal link and a one-time form token."""
    return internal_form_open(review=review, channel=CHANNEL_INTERVIEW, by=by)


def recall_interview_record(
    *, review: ThematicReview, answers: Mapping[str, Any], form_token: str, by, request=None
) -> Response:
    """Store one recall interview (refused for a replayed or forged form token)."""
    return internal_response_submit(
        review=review,
        channel=CHANNEL_INTERVIEW,
        answers=answers,
        form_token=form_token,
        by=by,
        request=request,
    )
