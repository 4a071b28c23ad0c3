"""Responses from people without an account: links, one-time form tokens, submission, totals.

A ResponseLink opens one instrument version about one subject (an inspection, a partnership's
self-evaluation...). Its raw token (secrets.token_urlsafe(32)) is shown or emailed once; only its
SHA-256 is kept, so a copy of the database opens no form. Every time the form is shown it carries
a one-time FormToken, so a replayed or forged post is refused and a double click stores one
response. A Response holds no user and no address: nothing records who answered.

The public pages (qi_framework.views_public) show only the link's label, never the subject.
"""

import datetime as dt
import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from qi_framework.instruments import (
    instrument_evaluate,
    instrument_version_current,
    questions_of,
    validate_answer,
)
from qi_framework.models import (
    FormToken,
    InstrumentVersion,
    Question,
    Response,
    ResponseAnswer,
    ResponseLink,
)

FEEDBACK_INSTRUMENT = "scrutiny-feedback"

LINK_NOT_FOUND = (
    "This link is not valid. Check you copied the whole web address from the email, or ask the "
    "person who sent it for a new link."
)
LINK_USED = (
    "This link has already been used, and each link can be used once. To add anything, contact "
    "the person who sent it."
)
LINK_EXPIRED = "This link has expired. Ask the person who sent it for a new link."
LINK_ALREADY_REVOKED = "This link has already been cancelled."
VERSION_NOT_PUBLISHED = "Only a published version of a questionnaire can be sent out."
EXPIRY_INVALID = "A link must last at least one day."
FORM_TOKEN_USED = (
    "These answers have already been sent. If you pressed the button twice, nothing more is needed."
)
FORM_TOKEN_INVALID = (
    "This form could not be sent because it was not opened from its link. Open the link again "
    "and fill in the form."
)
ANSWERS_INVALID = "There is a problem with your answers."
REQUIRED_ERROR = "Answer this question."


class LinkUnavailable(ApplicationError):
    """A link that does not open: `reason` is "not_found", "used" or "expired"."""

    def __init__(self, message: str, *, reason: str):
        super().__init__(message, extra={"reason": reason})
        self.reason = reason


class FormTokenRefused(ApplicationError):
    """A submission whose form token is unknown or was used already."""


class AnswersInvalid(ApplicationError):
    """Answers with problems; `errors` maps question code to message, in question order."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(ANSWERS_INVALID, extra={"errors": errors})
        self.errors = errors


def token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def response_link_url(raw_token: str) -> str:
    """Return the full web address of a link, for an email or the demo command."""
    path = reverse("responses:respond", kwargs={"token": raw_token})
    return settings.SITE_URL.rstrip("/") + path


# --- Subjects ----------------------------------------------------------------------------------

# How each kind of subject is named to the public: never its title, dates or people. Read by
# attribute, so this module needs no import of the apps it serves.
SUBJECT_PUBLIC_NAMES = {
    "inspections.inspection": ("the inspection of {}", ("activity", "authority", "name")),
    "partnerships.exercise": ("the self-evaluation of {}", ("partnership", "name")),
}


def subject_public_name(subject: models.Model) -> str:
    """Return how a subject is named on a public page, e.g. "the inspection of Fife"."""
    pattern, path = SUBJECT_PUBLIC_NAMES.get(subject._meta.label_lower, ("{}", ()))
    value: Any = subject
    for attribute in path:
        value = getattr(value, attribute)
    return pattern.format(value)


# --- Links -------------------------------------------------------------------------------------


@transaction.atomic
def response_link_create(
    *,
    instrument_version: InstrumentVersion,
    subject: models.Model,
    label: str = "",
    single_use: bool = True,
    expires_in_days: int = 60,
    by=None,
) -> tuple[ResponseLink, str]:
    """Create a link and return it with its raw token, which is not kept anywhere."""
    if instrument_version.status != InstrumentVersion.Status.PUBLISHED:
        raise ApplicationError(VERSION_NOT_PUBLISHED)
    if expires_in_days < 1:
        raise ApplicationError(EXPIRY_INVALID)
    raw_token = secrets.token_urlsafe(32)
    link = ResponseLink.objects.create(
        instrument_version=instrument_version,
        label=(label or f"Feedback on {subject_public_name(subject)}")[:200],
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        token_hash=token_hash(raw_token),
        single_use=single_use,
        expires_at=timezone.now() + dt.timedelta(days=expires_in_days),
        created_by=by,
    )
    audit_record(
        action="response_link_created",
        actor=by,
        obj=link,
        new={
            "instrument_version": instrument_version.pk,
            "subject": f"{link.subject_type.app_label}.{link.subject_type.model}:{subject.pk}",
            "single_use": single_use,
            "expires_at": link.expires_at.isoformat(),
        },
    )
    return link, raw_token


def feedback_link_create(*, subject: models.Model, by=None, **kwargs) -> tuple[ResponseLink, str]:
    """Create a link to the current feedback questionnaire about a subject."""
    version = instrument_version_current(code=FEEDBACK_INSTRUMENT)
    if version is None:
        raise ApplicationError("The feedback questionnaire has not been loaded.")
    return response_link_create(instrument_version=version, subject=subject, by=by, **kwargs)


@transaction.atomic
def response_link_revoke(*, link: ResponseLink, by=None) -> ResponseLink:
    link = ResponseLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        raise ApplicationError(LINK_ALREADY_REVOKED)
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit_record(action="response_link_revoked", actor=by, obj=link)
    return link


def _link_problem(link: ResponseLink | None) -> LinkUnavailable | None:
    # An unknown and a cancelled link look the same, so tokens cannot be probed.
    if link is None or link.revoked_at is not None:
        return LinkUnavailable(LINK_NOT_FOUND, reason="not_found")
    if link.single_use and link.used_at is not None:
        return LinkUnavailable(LINK_USED, reason="used")
    if link.expires_at <= timezone.now():
        return LinkUnavailable(LINK_EXPIRED, reason="expired")
    return None


def response_link_open(*, raw_token: str) -> ResponseLink:
    """Return the link for a raw token, or raise LinkUnavailable saying why it does not open."""
    link = (
        ResponseLink.objects.select_related("instrument_version")
        .filter(token_hash=token_hash(raw_token))
        .first()
    )
    problem = _link_problem(link)
    if problem is not None:
        raise problem
    return link


def form_token_issue(*, link: ResponseLink) -> str:
    """Return a new one-time submission token for one showing of a link's form."""
    raw = secrets.token_urlsafe(32)
    FormToken.objects.create(link=link, token_hash=token_hash(raw))
    return raw


# --- Submission --------------------------------------------------------------------------------


def _answers_check(
    version: InstrumentVersion, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Parse answers to the questions shown; return the values and the errors, in order."""
    questions = {q.code: q for q in questions_of(version)}
    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for code, raw in answers.items():
        question = questions.get(code)
        if question is None or question.is_derived:
            continue
        check = validate_answer(question, raw)
        if check.error:
            errors[code] = check.error
        elif check.value is not None:
            parsed[code] = check.value
    evaluation = instrument_evaluate(version, parsed)
    visible = {q.code for q in evaluation.visible}
    errors = {code: message for code, message in errors.items() if code in visible}
    for question in evaluation.missing_required:
        errors.setdefault(question.code, REQUIRED_ERROR)
    order = [q.code for q in questions_of(version)]
    errors = dict(sorted(errors.items(), key=lambda item: order.index(item[0])))
    values = {code: value for code, value in evaluation.values.items() if code in visible}
    return values, errors


def response_submit(*, raw_token: str, answers: Mapping[str, Any], form_token: str) -> Response:
    """Store one response through a link, all or nothing.

    Refuses a link that does not open (LinkUnavailable), a form token that is unknown, belongs
    to another link or was used (FormTokenRefused), and answers with problems (AnswersInvalid);
    in each case nothing is stored. The link row is locked, so two simultaneous posts cannot
    both use a single-use link.
    """
    with transaction.atomic():
        link = (
            ResponseLink.objects.select_for_update()
            .filter(token_hash=token_hash(raw_token))
            .first()
        )
        problem = _link_problem(link)
        if problem is not None:
            raise problem
        token = (
            FormToken.objects.select_for_update()
            .filter(link=link, token_hash=token_hash(form_token or ""))
            .first()
        )
        if token is None:
            raise FormTokenRefused(FORM_TOKEN_INVALID)
        if token.used_at is not None:
            raise FormTokenRefused(FORM_TOKEN_USED)
        version = link.instrument_version
        values, errors = _answers_check(version, answers)
        if errors:
            raise AnswersInvalid(errors)
        now = timezone.now()
        response = Response.objects.create(link=link, instrument_version=version)
        questions = {q.code: q for q in questions_of(version)}
        rows = []
        for code, value in values.items():
            row = ResponseAnswer(response=response)
            row.set_value(questions[code], value)
            rows.append(row)
        ResponseAnswer.objects.bulk_create(rows)
        token.used_at = now
        token.save(update_fields=["used_at"])
        link.used_at = now
        link.save(update_fields=["used_at"])
    return response


# --- Totals ------------------------------------------------------------------------------------


@dataclass
class QuestionTotals:
    """The answers to one question across responses: counts per option or rating."""

    code: str
    text: str
    kind: str
    answered: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # option value -> count, in order
    labels: dict[str, str] = field(default_factory=dict)  # option value -> label

    @property
    def mean(self) -> float | None:
        """The mean rating, for six-point questions."""
        if self.kind != Question.Kind.RATING_6 or not self.answered:
            return None
        return sum(int(v) * n for v, n in self.counts.items()) / self.answered


def _labels(question: Question) -> list[tuple[str, str]]:
    if question.kind == Question.Kind.YES_NO_NA:
        return [("yes", "Yes"), ("no", "No"), ("na", "Not applicable")]
    if question.kind == Question.Kind.RATING_6:
        return [(str(n), str(n)) for n in range(6, 0, -1)]
    return [(o["value"], o.get("label", o["value"])) for o in question.options]


def responses_aggregate(
    *,
    instrument_versions: InstrumentVersion | Iterable[InstrumentVersion],
    subject_type: type[models.Model] | ContentType | None = None,
    responses: models.QuerySet[Response] | None = None,
) -> list[QuestionTotals]:
    """Return per-question totals over every response to these versions (about any subject,
    or only subjects of one type, or only the `responses` given: one year's, one area's...),
    joined by question code across versions. Text answers are counted, not shown."""
    if isinstance(instrument_versions, InstrumentVersion):
        instrument_versions = [instrument_versions]
    versions = sorted(instrument_versions, key=lambda v: v.version, reverse=True)
    answers = ResponseAnswer.objects.filter(question__version__in=versions)
    if subject_type is not None:
        if not isinstance(subject_type, ContentType):
            subject_type = ContentType.objects.get_for_model(subject_type)
        answers = answers.filter(response__link__subject_type=subject_type)
    if responses is not None:
        answers = answers.filter(response__in=responses)

    totals: dict[str, QuestionTotals] = {}
    labels: dict[str, dict[str, str]] = {}
    for version in versions:  # the newest version's wording and order win
        for question in questions_of(version):
            if question.code not in totals:
                totals[question.code] = QuestionTotals(question.code, question.text, question.kind)
                labels[question.code] = {}
            for value, label in _labels(question):
                labels[question.code].setdefault(value, label)

    tallies: dict[str, Counter] = {code: Counter() for code in totals}
    rows = answers.values_list("question__code", "value_code", "value_number", "value_choices")
    for code, value_code, number, choices in rows.iterator():
        total = totals[code]
        total.answered += 1
        if total.kind == Question.Kind.MULTIPLE_CHOICE:
            tallies[code].update(choices or [])
        elif total.kind == Question.Kind.RATING_6:
            tallies[code][str(int(number))] += 1
        elif value_code:
            tallies[code][value_code] += 1
    for code, total in totals.items():
        if total.kind in (Question.Kind.TEXT, Question.Kind.DATE, Question.Kind.NUMBER):
            continue
        total.labels = labels[code]
        total.counts = {value: tallies[code][value] for value in labels[code]}
    return list(totals.values())
