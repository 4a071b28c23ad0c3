"""Writes for a review's surveys: links, the staff survey population, paper entry.

Every survey answer is a questionnaire-engine Response (`qi_framework.responses`), so nothing
records who answered. The link a response came by tells its channel:

- the staff survey: one multi-use link per area, whose subject is the ReviewArea. It identifies
  the area, never the person. Making a new one cancels the area's current link.
- the prison survey online: one multi-use general link whose subject is the review.
- paper questionnaires typed in by the review team, and recall interviews: internal links whose
  subject is the review. Their token is never shown or sent to anyone: it is worked out when
  needed from the site's secret key (HMAC), so nothing stores it either. Each showing of the
  entry form still carries a one-time form token, so a double click stores one response.

Choices where the issue was silent:
- Public links last 90 days; the team makes a new one if fieldwork runs longer.
- The people who type in a paper questionnaire or record an interview are audited (they are
  not the respondents); the respondents are not recorded anywhere.
"""

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from qi_framework.models import InstrumentVersion, Response, ResponseLink
from qi_framework.responses import (
    form_token_issue,
    response_link_create,
    response_link_revoke,
    response_submit,
    token_hash,
)
from throughcare.models import ReviewArea, ThematicReview
from throughcare.selectors.surveys import (
    CHANNEL_PAPER,
    INTERNAL_LABELS,
    PRISON_LINK_LABEL,
    STAFF_LINK_LABEL,
)

__all__ = [
    "LINK_DAYS",
    "internal_form_open",
    "internal_link",
    "internal_response_submit",
    "paper_form_open",
    "paper_response_submit",
    "prison_survey_link_create",
    "staff_survey_link_create",
    "survey_link_revoke",
]

LINK_DAYS = 90
INTERNAL_LINK_DAYS = 3650

NO_STAFF_SURVEY = (
    "This review has no staff survey questionnaire. Ask the review lead to choose one on the "
    "review’s details page."
)
NO_PRISON_SURVEY = (
    "This review has no prison survey questionnaire. Ask the review lead to choose one on the "
    "review’s details page."
)
NO_INTERVIEW_SCHEDULE = (
    "This review has no recall interview schedule. Ask the review lead to choose one on the "
    "review’s details page."
)
LINK_NOT_OF_REVIEW = "That link does not belong to this review."
REVIEW_CLOSED = "The review is closed, so its surveys cannot change."


def _open_review(review: ThematicReview) -> None:
    if review.status == ThematicReview.Status.CLOSED:
        raise ApplicationError(REVIEW_CLOSED)


def _content_type(model) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _active_links(*, subject, instrument_version: InstrumentVersion | None, label: str):
    return ResponseLink.objects.filter(
        subject_type=_content_type(subject),
        subject_id=subject.pk,
        instrument_version=instrument_version,
        label=label,
        revoked_at__isnull=True,
    )


def _replace_link(*, subject, version, label: str, by) -> tuple[ResponseLink, str]:
    for link in _active_links(subject=subject, instrument_version=version, label=label):
        response_link_revoke(link=link, by=by)
    return response_link_create(
        instrument_version=version,
        subject=subject,
        label=label,
        single_use=False,
        expires_in_days=LINK_DAYS,
        by=by,
    )


@transaction.atomic
def staff_survey_link_create(*, area: ReviewArea, by) -> tuple[ResponseLink, str]:
    """Make the area's staff survey link (cancelling its current one); return it and its token.

    The raw token is returned once, to be shown to the review team; only its hash is kept.
    """
    review = area.review
    _open_review(review)
    if review.staff_survey_instrument is None:
        raise ApplicationError(NO_STAFF_SURVEY)
    return _replace_link(
        subject=area, version=review.staff_survey_instrument, label=STAFF_LINK_LABEL, by=by
    )


@transaction.atomic
def prison_survey_link_create(*, review: ThematicReview, by) -> tuple[ResponseLink, str]:
    """Make the review's general prison survey link (cancelling the current one)."""
    _open_review(review)
    if review.prison_survey_instrument is None:
        raise ApplicationError(NO_PRISON_SURVEY)
    return _replace_link(
        subject=review, version=review.prison_survey_instrument, label=PRISON_LINK_LABEL, by=by
    )


def _link_belongs(link: ResponseLink, review: ThematicReview) -> bool:
    if link.label not in (STAFF_LINK_LABEL, PRISON_LINK_LABEL):
        return False  # internal links are never cancelled from a page
    if link.subject_type_id == _content_type(ThematicReview).id:
        return link.subject_id == review.pk
    if link.subject_type_id == _content_type(ReviewArea).id:
        return ReviewArea.objects.filter(pk=link.subject_id, review=review).exists()
    return False


@transaction.atomic
def survey_link_revoke(*, review: ThematicReview, link: ResponseLink, by) -> ResponseLink:
    """Cancel a staff or prison survey link of this review: it stops opening at once."""
    if not _link_belongs(link, review):
        raise ApplicationError(LINK_NOT_OF_REVIEW)
    return response_link_revoke(link=link, by=by)


# --- Internal links: paper entry and recall interviews ---------------------------------------


def _internal_token(review: ThematicReview, channel: str) -> str:
    message = f"throughcare-internal-link:{review.pk}:{channel}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _internal_version(review: ThematicReview, channel: str) -> InstrumentVersion:
    if channel == CHANNEL_PAPER:
        if review.prison_survey_instrument is None:
            raise ApplicationError(NO_PRISON_SURVEY)
        return review.prison_survey_instrument
    if review.interview_instrument is None:
        raise ApplicationError(NO_INTERVIEW_SCHEDULE)
    return review.interview_instrument


@transaction.atomic
def internal_link(*, review: ThematicReview, channel: str, by=None) -> tuple[ResponseLink, str]:
    """Return the review's internal link for `channel` (paper or interview) and its token.

    Made on first use. The token is worked out from the secret key, never stored or shown; if
    the key changed, the link's hash is brought up to date.
    """
    version = _internal_version(review, channel)
    label = INTERNAL_LABELS[channel]
    raw = _internal_token(review, channel)
    # Lock the review so two first uses at once cannot make two internal links.
    ThematicReview.objects.select_for_update().filter(pk=review.pk).first()
    link = (
        _active_links(subject=review, instrument_version=version, label=label)
        .select_for_update()
        .first()
    )
    if link is None:
        link, _ = response_link_create(
            instrument_version=version,
            subject=review,
            label=label,
            single_use=False,
            expires_in_days=INTERNAL_LINK_DAYS,
            by=by,
        )
    changes: dict[str, Any] = {}
    if link.token_hash != token_hash(raw):
        changes["token_hash"] = token_hash(raw)
    if link.expires_at <= timezone.now() + dt.timedelta(days=1):
        changes["expires_at"] = timezone.now() + dt.timedelta(days=INTERNAL_LINK_DAYS)
    if changes:
        ResponseLink.objects.filter(pk=link.pk).update(**changes)
        for name, value in changes.items():
            setattr(link, name, value)
    return link, raw


def internal_form_open(*, review: ThematicReview, channel: str, by) -> tuple[ResponseLink, str]:
    """Return the internal link and a new one-time form token for one showing of its form."""
    _open_review(review)
    link, _ = internal_link(review=review, channel=channel, by=by)
    return link, form_token_issue(link=link)


def internal_response_submit(
    *,
    review: ThematicReview,
    channel: str,
    answers: Mapping[str, Any],
    form_token: str,
    by,
    request=None,
) -> Response:
    """Store answers typed in by the review team through the review's internal link.

    Raises the engine's FormTokenRefused (replayed or forged form token) and AnswersInvalid.
    """
    _open_review(review)
    _, raw = internal_link(review=review, channel=channel, by=by)
    response = response_submit(raw_token=raw, answers=answers, form_token=form_token)
    audit_record(
        action=f"throughcare_{channel}_response_entered",
        actor=by,
        obj=response,
        request=request,
        new={"review": review.pk},
    )
    return response


def paper_form_open(*, review: ThematicReview, by) -> tuple[ResponseLink, str]:
    """Open the paper entry form of the prison survey: the link and a one-time form token."""
    return internal_form_open(review=review, channel=CHANNEL_PAPER, by=by)


def paper_response_submit(
    *, review: ThematicReview, answers: Mapping[str, Any], form_token: str, by, request=None
) -> Response:
    """Store one paper questionnaire of the prison survey, typed in by the review team."""
    return internal_response_submit(
        review=review,
        channel=CHANNEL_PAPER,
        answers=answers,
        form_token=form_token,
        by=by,
        request=request,
    )
