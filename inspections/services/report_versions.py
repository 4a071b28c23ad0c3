"""Writes for the inspection report's versions, its publication, verbal feedback and the
feedback questionnaire sent to the inspected authority.

Every version of the report is a frozen snapshot of its content (inspections.services.report's
`report_snapshot`) with its PDF (a reports.Document of kind "inspection_report" whose subject is
the version). A draft is made, empty, when someone asks for a draft PDF; the worker rendering it
takes its content (`report_version_prepare`), so asking costs the same whatever the report's
size. Publishing is the manager's approval: it makes a published version from a fresh
snapshot, creates and freezes its figure register, supersedes the previous published version
(kept, never changed), moves the inspection to "published" the first time, and asks for the
final PDF. The PDF's SHA-256 is copied to the version when the document is next looked at
(`report_version_hashes_sync`), so reports/ needs no hook. The first publication also emails
the authority's contacts a single-use link to the feedback questionnaire and opens the
improvement plan. Every change is audited.
"""

import datetime as dt
import json
import logging
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Membership, Role
from core.exceptions import ApplicationError
from core.services import audit_record
from inspections.models import (
    FeedbackRequest,
    Inspection,
    ReportVersion,
    VerbalFeedback,
)

logger = logging.getLogger(__name__)

__all__ = [
    "FEEDBACK_NO_RECIPIENTS",
    "FEEDBACK_NOT_PUBLISHED",
    "FEEDBACK_RECIPIENT_UNKNOWN",
    "PUBLISH_FIGURES_MISSING",
    "PUBLISH_GRADES_NOT_LOCKED",
    "PUBLISH_NOT_MANAGER",
    "PUBLISH_REASON_REQUIRED",
    "PUBLISH_REASON_TOO_LONG",
    "PUBLISH_WRONG_STATUS",
    "REPORT_DRAFT_TOO_EARLY",
    "VERBAL_FEEDBACK_BEFORE_FIELDWORK_ENDS",
    "VERBAL_FEEDBACK_DATE_REQUIRED",
    "VERBAL_FEEDBACK_GIVEN_BY_REQUIRED",
    "VERBAL_FEEDBACK_IN_FUTURE",
    "VERBAL_FEEDBACK_NO_FIELDWORK_END",
    "VERBAL_FEEDBACK_POINTS_REQUIRED",
    "VERBAL_FEEDBACK_PUBLISHED",
    "VERBAL_FEEDBACK_TOO_LONG",
    "feedback_recipients",
    "inspection_feedback_request_send",
    "report_draft_request",
    "report_publish",
    "report_publish_refusal",
    "report_version_hashes_sync",
    "report_version_prepare",
    "verbal_feedback_create",
    "verbal_feedback_update",
]

S = Inspection.Status
V = ReportVersion.Status

REASON_LIMIT = 2000
TEXT_LIMIT = 10_000

# --- Messages people see -----------------------------------------------------------------------

REPORT_DRAFT_TOO_EARLY = (
    "A draft report can be made once fieldwork is over. This inspection is at “{status}”."
)
PUBLISH_NOT_MANAGER = "Only a manager can approve and publish the report."
PUBLISH_GRADES_NOT_LOCKED = (
    "The report cannot be published until the lead inspector has agreed and locked the grades."
)
PUBLISH_WRONG_STATUS = (
    "The report can be published only when the inspection is at “Reporting”. This inspection "
    "is at “{status}”."
)
PUBLISH_FIGURES_MISSING = (
    "The report refers to figures that no longer exist: {codes}. Change the sections that use "
    "them before publishing."
)
PUBLISH_REASON_REQUIRED = "Enter why this new version replaces the published report"
PUBLISH_REASON_TOO_LONG = f"The reason must be {REASON_LIMIT:,} characters or fewer"
FEEDBACK_NOT_PUBLISHED = (
    "The feedback questionnaire can be sent only after the report has been published."
)
FEEDBACK_NO_RECIPIENTS = (
    "The authority has no active contacts with an email address, so there is no one to send "
    "the feedback questionnaire to. Ask an administrator to add a local authority contact."
)
FEEDBACK_RECIPIENT_UNKNOWN = "Choose contacts of the inspected authority"
VERBAL_FEEDBACK_DATE_REQUIRED = "Enter the date the feedback was given"
VERBAL_FEEDBACK_NO_FIELDWORK_END = (
    "Record the last day of fieldwork in the inspection details before recording verbal feedback."
)
VERBAL_FEEDBACK_BEFORE_FIELDWORK_ENDS = (
    "The date must be on or after the last day of fieldwork, {date}"
)
VERBAL_FEEDBACK_IN_FUTURE = "The date the feedback was given must be today or in the past"
VERBAL_FEEDBACK_GIVEN_BY_REQUIRED = "Enter who gave the feedback"
VERBAL_FEEDBACK_POINTS_REQUIRED = "Enter the points made"
VERBAL_FEEDBACK_TOO_LONG = f"The {{field}} must be {TEXT_LIMIT:,} characters or fewer"
VERBAL_FEEDBACK_PUBLISHED = (
    "The report has been published, so its verbal feedback record can no longer change."
)

DRAFT_STATUSES = {S.EVALUATION, S.REPORTING, S.PUBLISHED, S.IMPROVEMENT, S.CLOSED}
PUBLISHED_OR_LATER = {S.PUBLISHED, S.IMPROVEMENT, S.CLOSED}


def _status_label(inspection: Inspection) -> str:
    return S(inspection.status).label


def _locked_inspection(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update()
        .select_related("activity", "activity__authority")
        .get(pk=inspection.pk)
    )


def _snapshot(inspection: Inspection) -> dict[str, Any]:
    """Return the report's content now, as plain JSON (dates as ISO text, keys sorted)."""
    from inspections.selectors.report import report_snapshot

    return json.loads(
        json.dumps(report_snapshot(inspection=inspection), cls=DjangoJSONEncoder, sort_keys=True)
    )


def _next_number(inspection: Inspection) -> int:
    latest = ReportVersion.objects.filter(inspection=inspection).aggregate(n=Max("number"))["n"]
    return (latest or 0) + 1


def _request_pdf(version: ReportVersion, *, by, request=None) -> ReportVersion:
    from reports.services import document_request

    document = document_request(kind="inspection_report", subject=version, by=by, request=request)
    if version.document_id != document.pk:
        version.document = document
        version.save(update_fields=["document"])
    return version


# --- Drafts ------------------------------------------------------------------------------------


@transaction.atomic
def report_draft_request(*, inspection: Inspection, by, request=None) -> ReportVersion:
    """Make a draft version and ask for its PDF; the worker that renders it takes its content.

    Taking the snapshot costs about a second for a hundred records, so the request only makes an
    empty draft and asks for its document (tens of milliseconds whatever the report's size);
    `report_version_prepare`, called when the document is rendered, fills the content once. If
    the latest version is a draft still waiting for its content (a second click), that draft is
    returned instead of making another.
    """
    inspection = _locked_inspection(inspection)
    if inspection.status not in DRAFT_STATUSES:
        raise ApplicationError(REPORT_DRAFT_TOO_EARLY.format(status=_status_label(inspection)))
    latest = ReportVersion.objects.filter(inspection=inspection).order_by("-number").first()
    if latest is not None and latest.status == V.DRAFT and not latest.content:
        return _request_pdf(latest, by=by, request=request)
    version = ReportVersion.objects.create(
        inspection=inspection,
        number=_next_number(inspection),
        status=V.DRAFT,
        content={},
        created_by=by,
    )
    audit_record(
        action="report_draft_made",
        actor=by,
        obj=version,
        new={"number": version.number, "status": version.status},
        request=request,
        detail=inspection.title,
    )
    return _request_pdf(version, by=by, request=request)


def report_version_prepare(*, version: ReportVersion) -> ReportVersion:
    """Take a draft's content from the report as it is now, once; return the version.

    Called by the inspection report's document kind before rendering (in the worker). A version
    whose content is already taken is returned unchanged, so a retried render prints the same.
    """
    with transaction.atomic():
        locked = ReportVersion.objects.select_for_update().get(pk=version.pk)
        if not locked.content:
            locked.content = _snapshot(locked.inspection)
            locked.save(update_fields=["content"])
    return locked


# --- Publication -------------------------------------------------------------------------------


def _figures_of(inspection: Inspection, content: dict) -> list:
    """The figures the published report prints: from the snapshot if it lists them, otherwise
    computed now (inside the same transaction, so from the same data)."""
    from reports.figure_register import ComputedFigure

    listed = content.get("figures")
    if isinstance(listed, dict):
        listed = list(listed.values())
    if isinstance(listed, list) and all(isinstance(item, dict) for item in listed):
        names = set(ComputedFigure.__dataclass_fields__)
        return [
            ComputedFigure(
                **{
                    **{k: v for k, v in item.items() if k in names},
                    "records": tuple(tuple(r) for r in item.get("records") or ()),
                }
            )
            for item in listed
        ]
    from inspections.selectors.evidence import inspection_figures

    grouped = inspection_figures(inspection=inspection)
    unique = {figure.code: figure for figures in grouped.values() for figure in figures}
    return list(unique.values())


def _register_freeze(version: ReportVersion, *, by) -> None:
    from reports.figure_register import figure_register_create, figure_register_freeze

    register = figure_register_create(
        subject=version,
        label=f"{version.inspection.title}: report, version {version.number}",
        figures=_figures_of(version.inspection, version.content),
        document=version.document,
        by=by,
    )
    register = figure_register_freeze(register=register, by=by)
    version.figure_register = register
    version.save(update_fields=["figure_register"])


def _reason_check(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            PUBLISH_REASON_REQUIRED, extra={"errors": [("reason", PUBLISH_REASON_REQUIRED)]}
        )
    if len(reason) > REASON_LIMIT:
        raise ApplicationError(
            PUBLISH_REASON_TOO_LONG, extra={"errors": [("reason", PUBLISH_REASON_TOO_LONG)]}
        )
    return reason


def report_publish_refusal(*, inspection: Inspection, user) -> str | None:
    """Return why `user` cannot publish the report now (reason aside), or None if they can."""
    from inspections.services.evaluations import grades_locked

    if not user.has_perm("inspections.publish_inspection", inspection):
        return PUBLISH_NOT_MANAGER
    current = ReportVersion.objects.filter(inspection=inspection, status=V.PUBLISHED).exists()
    if not current and inspection.status != S.REPORTING:
        return PUBLISH_WRONG_STATUS.format(status=_status_label(inspection))
    if not grades_locked(inspection=inspection):
        return PUBLISH_GRADES_NOT_LOCKED
    return None


@transaction.atomic
def report_publish(
    *, inspection: Inspection, by, reason: str = "", request=None, send_feedback: bool = True
) -> ReportVersion:
    """Approve and publish the report as it is now (a manager's act); see the module docstring.

    A first publication needs the inspection at "reporting" and the grades agreed and locked; a
    new version of a published report also needs a reason, and supersedes the published one.
    send_feedback=False leaves the feedback questionnaire for the caller (the demo data, whose
    console email backend would otherwise print the link's token).
    """
    from inspections.services.setup import inspection_transition

    inspection = _locked_inspection(inspection)
    refusal = report_publish_refusal(inspection=inspection, user=by)
    if refusal:
        raise ApplicationError(refusal)
    previous = (
        ReportVersion.objects.select_for_update()
        .filter(inspection=inspection, status=V.PUBLISHED)
        .first()
    )
    reason = _reason_check(reason) if previous is not None else (reason or "").strip()
    content = _snapshot(inspection)
    if content.get("missing_figures"):
        codes = ", ".join(content["missing_figures"])
        raise ApplicationError(PUBLISH_FIGURES_MISSING.format(codes=codes))
    now = timezone.now()
    if previous is not None:
        previous.status = V.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
        audit_record(
            action="report_version_superseded",
            actor=by,
            obj=previous,
            old={"number": previous.number, "status": V.PUBLISHED},
            new={"status": V.SUPERSEDED, "reason": reason},
            request=request,
            detail=inspection.title,
        )
    version = ReportVersion.objects.create(
        inspection=inspection,
        number=_next_number(inspection),
        status=V.PUBLISHED,
        content=content,
        reason=reason,
        created_by=by,
        approved_by=by,
        approved_at=now,
        published_at=now,
    )
    _request_pdf(version, by=by, request=request)
    _register_freeze(version, by=by)
    first = previous is None and inspection.status == S.REPORTING
    if first:
        inspection = inspection_transition(
            inspection=inspection, to=S.PUBLISHED, by=by, request=request
        )
    audit_record(
        action="report_published",
        actor=by,
        obj=version,
        old={"published_version": previous.number} if previous else None,
        new={
            "number": version.number,
            "document": version.document_id,
            "figure_register": version.figure_register_id,
            "reason": reason,
        },
        request=request,
        detail=inspection.title,
    )
    if first:
        _after_first_publication(inspection, by=by, request=request, send_feedback=send_feedback)
    return version


def _after_first_publication(
    inspection: Inspection, *, by, request=None, send_feedback: bool = True
) -> None:
    """Send the feedback questionnaire (once) and open the improvement plan.

    Neither may stop the publication: each runs in its own savepoint, and a refusal is logged
    (the report page offers the feedback button; the plan can be opened from its own page).
    """
    if send_feedback and not FeedbackRequest.objects.filter(inspection=inspection).exists():
        try:
            with transaction.atomic():
                inspection_feedback_request_send(inspection=inspection, by=by, request=request)
        except ApplicationError as error:
            logger.warning(
                "Feedback questionnaire not sent for inspection %s: %s",
                inspection.pk,
                error.message,
            )
    if not apps.is_installed("improvement"):
        return
    try:
        from improvement.services import improvement_plan_open
    except ImportError as error:
        if error.name not in {"improvement", "improvement.services"}:
            raise
        return
    try:
        with transaction.atomic():
            improvement_plan_open(inspection=inspection, by=by, request=request)
    except ApplicationError as error:
        logger.warning(
            "Improvement plan not opened for inspection %s: %s", inspection.pk, error.message
        )


def report_version_hashes_sync(*, inspection: Inspection) -> int:
    """Copy the SHA-256 of each version's ready PDF onto the version, once; return how many."""
    pending = ReportVersion.objects.filter(
        inspection=inspection, sha256="", document__state="ready"
    ).select_related("document")
    copied = 0
    for version in pending:
        with transaction.atomic():
            locked = ReportVersion.objects.select_for_update().get(pk=version.pk)
            if locked.sha256:
                continue
            locked.sha256 = version.document.sha256
            locked.save(update_fields=["sha256"])
            audit_record(
                action="report_version_hash_recorded",
                obj=locked,
                new={"number": locked.number, "sha256": locked.sha256},
                actor_label="PDF made",
            )
            copied += 1
    return copied


# --- The feedback questionnaire ----------------------------------------------------------------


def feedback_recipients(inspection: Inspection) -> list:
    """The inspected authority's active contacts with an email address, by name."""
    memberships = (
        Membership.objects.filter(
            organisation_id=inspection.activity.authority_id,
            role=Role.AUTHORITY_CONTACT,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    people = {}
    for membership in memberships:
        people.setdefault(membership.user.pk, membership.user)
    return list(people.values())


@transaction.atomic
def inspection_feedback_request_send(
    *, inspection: Inspection, by, recipients=None, request=None, send_email: bool = True
) -> FeedbackRequest:
    """Email the authority's contacts (or those chosen) a single-use link to the feedback
    questionnaire about this inspection.

    Only after publication. Sending again makes a new link and cancels the previous one if it
    has not been used. The raw token goes only into the emails (sent when the transaction
    commits, one message per person); this row and the audit log keep the link's id only.
    send_email=False records the sending without emailing anyone (for the demo data).
    """
    from qi_framework.responses import (
        feedback_link_create,
        response_link_revoke,
        response_link_url,
    )

    inspection = _locked_inspection(inspection)
    if inspection.status not in PUBLISHED_OR_LATER:
        raise ApplicationError(FEEDBACK_NOT_PUBLISHED)
    contacts = feedback_recipients(inspection)
    if recipients is not None:
        chosen = {getattr(person, "pk", person) for person in recipients}
        if not chosen or not chosen <= {person.pk for person in contacts}:
            raise ApplicationError(
                FEEDBACK_RECIPIENT_UNKNOWN,
                extra={"errors": [("recipients", FEEDBACK_RECIPIENT_UNKNOWN)]},
            )
        contacts = [person for person in contacts if person.pk in chosen]
    if not contacts:
        raise ApplicationError(FEEDBACK_NO_RECIPIENTS)
    previous = inspection.feedback_requests.select_related("link").first()
    revoked = None
    if previous is not None and previous.link.used_at is None and previous.link.revoked_at is None:
        revoked = response_link_revoke(link=previous.link, by=by)
    link, raw_token = feedback_link_create(subject=inspection, by=by)
    feedback_request = FeedbackRequest.objects.create(
        inspection=inspection,
        link=link,
        sent_at=timezone.now(),
        sent_by=by,
        recipients=len(contacts),
    )
    audit_record(
        action="feedback_request_sent",
        actor=by,
        obj=inspection,
        new={
            "link": link.pk,
            "recipients": len(contacts),
            "expires_at": link.expires_at.isoformat(),
            "revoked_link": revoked.pk if revoked else None,
        },
        request=request,
    )
    authority = inspection.activity.authority.name
    message = render_to_string(
        "inspections/email/feedback_request.txt",
        {
            "authority": authority,
            "link": response_link_url(raw_token),
            "expires": date_format(timezone.localtime(link.expires_at), "j F Y"),
            "service_name": settings.SERVICE_NAME,
        },
    )
    subject = f"Feedback on the inspection of justice social work in {authority}"
    addresses = [person.email for person in contacts]

    def send() -> None:
        get_connection().send_messages(
            [
                EmailMessage(subject, message, settings.DEFAULT_FROM_EMAIL, [address])
                for address in addresses
            ]
        )

    if send_email:
        transaction.on_commit(send)
    return feedback_request


# --- Verbal feedback ---------------------------------------------------------------------------

VERBAL_FEEDBACK_LABELS = {
    "given_by": "who gave the feedback",
    "received_by": "who received it",
    "points": "points made",
}


def _verbal_feedback_check(
    inspection: Inspection, *, given_on, given_by: str, received_by: str, points: str
) -> dict:
    if inspection.status in PUBLISHED_OR_LATER:
        raise ApplicationError(VERBAL_FEEDBACK_PUBLISHED)
    errors: list[tuple[str, str]] = []
    texts = {
        "given_by": (given_by or "").strip(),
        "received_by": (received_by or "").strip(),
        "points": (points or "").strip(),
    }
    if given_on is None:
        errors.append(("given_on", VERBAL_FEEDBACK_DATE_REQUIRED))
    elif inspection.fieldwork_end is None:
        errors.append(("given_on", VERBAL_FEEDBACK_NO_FIELDWORK_END))
    elif given_on < inspection.fieldwork_end:
        date = date_format(inspection.fieldwork_end, "j F Y")
        errors.append(("given_on", VERBAL_FEEDBACK_BEFORE_FIELDWORK_ENDS.format(date=date)))
    elif given_on > timezone.localdate():
        errors.append(("given_on", VERBAL_FEEDBACK_IN_FUTURE))
    if not texts["given_by"]:
        errors.append(("given_by", VERBAL_FEEDBACK_GIVEN_BY_REQUIRED))
    if not texts["points"]:
        errors.append(("points", VERBAL_FEEDBACK_POINTS_REQUIRED))
    for name, value in texts.items():
        if len(value) > TEXT_LIMIT:
            errors.append(
                (name, VERBAL_FEEDBACK_TOO_LONG.format(field=VERBAL_FEEDBACK_LABELS[name]))
            )
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    return {"given_on": given_on, **texts}


def _verbal_feedback_json(feedback: VerbalFeedback) -> dict:
    return {
        "given_on": feedback.given_on.isoformat()
        if isinstance(feedback.given_on, dt.date)
        else feedback.given_on,
        "given_by": feedback.given_by,
        "received_by": feedback.received_by,
        "points": feedback.points,
    }


@transaction.atomic
def verbal_feedback_create(
    *,
    inspection: Inspection,
    given_on: dt.date | None,
    given_by: str,
    points: str,
    received_by: str = "",
    by,
    request=None,
) -> VerbalFeedback:
    """Record verbal feedback given to the authority on or after the last day of fieldwork."""
    inspection = _locked_inspection(inspection)
    values = _verbal_feedback_check(
        inspection, given_on=given_on, given_by=given_by, received_by=received_by, points=points
    )
    feedback = VerbalFeedback.objects.create(inspection=inspection, recorded_by=by, **values)
    audit_record(
        action="verbal_feedback_recorded",
        actor=by,
        obj=feedback,
        new=_verbal_feedback_json(feedback),
        request=request,
        detail=inspection.title,
    )
    return feedback


@transaction.atomic
def verbal_feedback_update(
    *,
    feedback: VerbalFeedback,
    given_on: dt.date | None,
    given_by: str,
    points: str,
    received_by: str = "",
    by,
    request=None,
) -> VerbalFeedback:
    """Change a verbal feedback record (until the report is published)."""
    inspection = _locked_inspection(feedback.inspection)
    feedback = VerbalFeedback.objects.select_for_update().get(pk=feedback.pk)
    values = _verbal_feedback_check(
        inspection, given_on=given_on, given_by=given_by, received_by=received_by, points=points
    )
    old = _verbal_feedback_json(feedback)
    for name, value in values.items():
        setattr(feedback, name, value)
    new = _verbal_feedback_json(feedback)
    if old != new:
        feedback.save(update_fields=list(values))
        audit_record(
            action="verbal_feedback_changed",
            actor=by,
            obj=feedback,
            old=old,
            new=new,
            request=request,
            detail=inspection.title,
        )
    return feedback
