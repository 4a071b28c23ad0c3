"""Writes for supported and validated self-evaluation: the exercise lifecycle, the partnership's
answers and evidence, support threads, validation decisions and the published letter.

Every change is audited. The lifecycle moves only through these functions, which refuse an
illegal move with an ApplicationError whose message is a constant below.
"""

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import Membership, Organisation, Role
from accounts.selectors import assignments_for
from accounts.services import assignment_create
from core.exceptions import ApplicationError
from core.services import audit_record
from core.uploads import upload_accept
from partnerships.models import (
    Answer,
    Comment,
    DevelopmentSession,
    EvidenceLink,
    Exercise,
    ExerciseQI,
    FeedbackRequest,
    FollowUpActivity,
    LetterPublication,
    PartnerOrganisation,
    Representative,
    UncertaintyArea,
)
from qi_framework.responses import (
    feedback_link_create,
    response_link_revoke,
    response_link_url,
)
from qi_framework.selectors import scope_for

logger = logging.getLogger(__name__)

Status = Exercise.Status
QIStatus = ExerciseQI.Status

# Moves an inspector makes with exercise_transition; submission, reopening for changes and
# publication have their own services (they change QIs too) but are listed for completeness.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Status.SUPPORT: {Status.DRAFTING},
    Status.DRAFTING: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.ANALYSIS, Status.DRAFTING},
    Status.ANALYSIS: {Status.FOLLOW_UP, Status.FEEDBACK, Status.DRAFTING},
    Status.FOLLOW_UP: {Status.FEEDBACK, Status.DRAFTING},
    Status.FEEDBACK: {Status.PUBLISHED},
    Status.PUBLISHED: {Status.FEEDBACK},
}
SPECIAL_MOVES = {
    Status.SUBMITTED: "Use “Submit the self-evaluation” to submit it.",
    Status.PUBLISHED: "Use “Publish the validation letter” to publish it.",
}
EDITABLE_EXERCISE_STATES = {Status.SUPPORT, Status.DRAFTING}
DECISION_STATES = {Status.ANALYSIS, Status.FOLLOW_UP, Status.FEEDBACK}
INSPECTOR_WORK_STATES = {Status.SUBMITTED, *DECISION_STATES}

NOT_A_PARTNERSHIP = "Choose a community justice partnership."
NO_SCOPE = "The framework has no QIs for supported and validated self-evaluation."
ILLEGAL_MOVE = "An exercise at “{current}” cannot move to “{target}”."
UNKNOWN_STAGE = "That is not a stage of a self-evaluation."
QI_LOCKED = (
    "This QI is locked: the self-evaluation has been submitted. The inspectors can reopen it "
    "by asking for changes."
)
GRADE_RANGE = "Choose a grade from 1 to 6."
INCOMPLETE = "Before submitting, complete {qi}: {missing}."
NOTHING_TO_SUBMIT = "There is nothing open to submit."
CHOOSE_QIS = "Choose at least one QI to reopen."
CHANGE_NOTE_REQUIRED = "Say what needs to change for {qi}."
CANNOT_REQUEST_CHANGES = "Changes can be requested only after submission and before feedback."
WRONG_EXERCISE = "That QI belongs to another exercise."
NOT_DECIDING = "Decisions are recorded during analysis, follow-up or feedback."
NOT_SUBMITTED_QI = "This QI has been reopened for the partnership; wait for it to be resubmitted."
REASONS_REQUIRED = "Give the reasons the self-evaluation of {qi} is not validated."
CHOOSE_DECISION = "Choose validated or not validated."
NOT_PUBLISHABLE = "The letter can be published only at the feedback stage."
UNDECIDED = "Record a decision for every QI before publishing: {qis}."
CONFIDENCE_REQUIRED = "Write the overall confidence statement before publishing."
FEEDBACK_REQUIRED = "Record the date of verbal feedback before publishing."
SUPERSEDE_REASON = "Say why this letter replaces the published one."
REOPEN_REASON = "Say why the published letter needs to be corrected."
COMMENT_EMPTY = "Write a comment."
NOT_INSPECTOR_WORK = "Analysis and follow-up are recorded after submission and before publication."
ANSWER_UNKNOWN = "Choose which answer the evidence supports."
CLAIM_REQUIRED = "Say which claim the evidence supports."
PUBLISHED_LOCKED = "The letter has been published; reopen it to make corrections."
FEEDBACK_NOT_PUBLISHED = (
    "The feedback questionnaire can be sent only once the validation letter is published."
)
FEEDBACK_NO_RECIPIENTS = (
    "There is no one to send the feedback questionnaire to. Add a partnership member, or the "
    "chair's email address on the partners page."
)


# --- Set-up ------------------------------------------------------------------------------------


@transaction.atomic
def exercise_create(
    *,
    partnership: Organisation,
    title: str,
    start_date: date,
    framework,
    strategic_inspector,
    hmics_inspector=None,
    submission_due: date | None = None,
    end_date: date | None = None,
    qi_codes: Sequence[str] | None = None,
    by=None,
    request=None,
) -> Exercise:
    """Set up an exercise with its QIs (by default the SVSE scope: 6.2, 8.1, 9.2)."""
    if partnership.kind != Organisation.Kind.PARTNERSHIP:
        raise ApplicationError(NOT_A_PARTNERSHIP)
    entries = [e.quality_indicator for e in scope_for(framework=framework, scrutiny_kind="svse")]
    if qi_codes:
        entries = [qi for qi in entries if qi.code in set(qi_codes)]
    if not entries:
        raise ApplicationError(NO_SCOPE)
    exercise = Exercise.objects.create(
        partnership=partnership,
        framework=framework,
        title=title,
        start_date=start_date,
        end_date=end_date,
        submission_due=submission_due,
        hmics_involved=hmics_inspector is not None,
    )
    ExerciseQI.objects.bulk_create(
        ExerciseQI(exercise=exercise, quality_indicator=qi) for qi in entries
    )
    assignment_create(
        user=strategic_inspector,
        kind="strategic_inspector",
        target=exercise,
        by=by,
        request=request,
    )
    if hmics_inspector is not None:
        assignment_create(
            user=hmics_inspector, kind="hmics_inspector", target=exercise, by=by, request=request
        )
    audit_record(
        action="exercise_created",
        actor=by,
        obj=exercise,
        new={"partnership": partnership.slug, "qis": [qi.code for qi in entries]},
        request=request,
    )
    return exercise


@transaction.atomic
def partner_add(
    *,
    partnership: Organisation,
    name: str,
    kind: str,
    representative: Mapping[str, object] | None = None,
    by=None,
    request=None,
) -> PartnerOrganisation:
    """Add a partner organisation (or find it by name) and, optionally, a representative."""
    if partnership.kind != Organisation.Kind.PARTNERSHIP:
        raise ApplicationError(NOT_A_PARTNERSHIP)
    partner, created = PartnerOrganisation.objects.get_or_create(
        partnership=partnership, name=name.strip(), defaults={"kind": kind}
    )
    if representative and representative.get("name"):
        Representative.objects.create(partner=partner, **representative)
    audit_record(
        action="partner_added" if created else "representative_added",
        actor=by,
        obj=partner,
        new={"kind": partner.kind, "representative": (representative or {}).get("name", "")},
        request=request,
    )
    return partner


# --- Lifecycle ---------------------------------------------------------------------------------


def _move(exercise: Exercise, target: str, *, by, request, detail: str = "") -> None:
    current = exercise.status
    if target not in ALLOWED_TRANSITIONS.get(current, set()):
        raise ApplicationError(
            ILLEGAL_MOVE.format(current=Status(current).label, target=Status(target).label)
        )
    exercise.status = target
    exercise.save(update_fields=["status", "updated_at"])
    audit_record(
        action="exercise_status_changed",
        actor=by,
        obj=exercise,
        old={"status": current},
        new={"status": target},
        request=request,
        detail=detail,
    )


def _locked(exercise: Exercise) -> Exercise:
    return Exercise.objects.select_for_update().get(pk=exercise.pk)


@transaction.atomic
def exercise_transition(*, exercise: Exercise, to: str, by, request=None) -> Exercise:
    """Move an exercise one step (support → drafting, submitted → analysis, and so on)."""
    if to not in Status.values:
        raise ApplicationError(UNKNOWN_STAGE)
    if to in SPECIAL_MOVES:
        raise ApplicationError(SPECIAL_MOVES[to])
    exercise = _locked(exercise)
    if to == Status.DRAFTING and exercise.status != Status.SUPPORT:
        raise ApplicationError(
            "To reopen QIs after submission, ask for changes to the QIs concerned."
        )
    if to == Status.FEEDBACK and exercise.status == Status.PUBLISHED:
        raise ApplicationError("Use “Reopen the letter for correction” and give the reason.")
    _move(exercise, to, by=by, request=request)
    return exercise


def qi_is_editable(exercise_qi: ExerciseQI) -> bool:
    return exercise_qi.exercise.status in EDITABLE_EXERCISE_STATES and exercise_qi.status in {
        QIStatus.DRAFTING,
        QIStatus.CHANGES_REQUESTED,
    }


ANSWER_FIELDS = ("how_good_now", "how_do_we_know", "how_good_can_we_be")


@transaction.atomic
def qi_answers_save(
    *,
    exercise_qi: ExerciseQI,
    how_good_now: str,
    how_do_we_know: str,
    how_good_can_we_be: str,
    grade: int | None,
    contributors: Sequence[PartnerOrganisation] = (),
    by,
    request=None,
) -> ExerciseQI:
    """Save the partnership's answers, grade and contributors for one open QI."""
    exercise_qi = (
        ExerciseQI.objects.select_for_update().select_related("exercise").get(pk=exercise_qi.pk)
    )
    if not qi_is_editable(exercise_qi):
        raise ApplicationError(QI_LOCKED)
    if grade is not None and not 1 <= grade <= 6:
        raise ApplicationError(GRADE_RANGE)
    partnership_id = exercise_qi.exercise.partnership_id
    if any(p.partnership_id != partnership_id for p in contributors):
        raise ApplicationError("Contributors must be partners of this partnership.")
    new = {
        "how_good_now": how_good_now,
        "how_do_we_know": how_do_we_know,
        "how_good_can_we_be": how_good_can_we_be,
        "grade": grade,
    }
    old = {name: getattr(exercise_qi, name) for name in new}
    for name, value in new.items():
        setattr(exercise_qi, name, value)
    exercise_qi.save()
    exercise_qi.contributors.set(contributors)
    new["contributors"] = sorted(p.name for p in contributors)
    audit_record(
        action="self_evaluation_saved", actor=by, obj=exercise_qi, old=old, new=new, request=request
    )
    return exercise_qi


def _missing(exercise_qi: ExerciseQI) -> list[str]:
    missing = [
        ExerciseQI._meta.get_field(name).verbose_name
        for name in ANSWER_FIELDS
        if not getattr(exercise_qi, name).strip()
    ]
    if exercise_qi.grade is None:
        missing.append("a self-evaluated grade")
    return missing


@transaction.atomic
def exercise_submit(*, exercise: Exercise, by, request=None) -> Exercise:
    """Submit the open QIs: each must be answered and graded. Locks them and records who."""
    exercise = _locked(exercise)
    if exercise.status not in EDITABLE_EXERCISE_STATES:
        raise ApplicationError(
            ILLEGAL_MOVE.format(
                current=Status(exercise.status).label, target=Status.SUBMITTED.label
            )
        )
    open_qis = list(
        exercise.qis.select_related("quality_indicator").filter(
            status__in=[QIStatus.DRAFTING, QIStatus.CHANGES_REQUESTED]
        )
    )
    if not open_qis:
        raise ApplicationError(NOTHING_TO_SUBMIT)
    errors = [
        INCOMPLETE.format(qi=qi.quality_indicator.code, missing=", ".join(_missing(qi)))
        for qi in open_qis
        if _missing(qi)
    ]
    if errors:
        raise ApplicationError(errors[0], extra={"errors": [(None, e) for e in errors]})
    if exercise.status == Status.SUPPORT:
        exercise.status = Status.DRAFTING
    ExerciseQI.objects.filter(pk__in=[qi.pk for qi in open_qis]).update(
        status=QIStatus.SUBMITTED, updated_at=timezone.now()
    )
    exercise.submitted_by = by
    exercise.submitted_at = timezone.now()
    exercise.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    _move(
        exercise,
        Status.SUBMITTED,
        by=by,
        request=request,
        detail="Submitted: " + ", ".join(qi.quality_indicator.code for qi in open_qis),
    )
    _notify_inspectors(
        exercise,
        subject=f"{exercise.partnership.name} has submitted its self-evaluation",
        body=f"{by} submitted {', '.join(qi.quality_indicator.code for qi in open_qis)}.",
        link=reverse("partnerships:exercise_detail", args=[exercise.pk]),
    )
    return exercise


@transaction.atomic
def exercise_request_changes(
    *, exercise: Exercise, notes: Mapping[ExerciseQI, str], by, request=None
) -> Exercise:
    """Reopen only the named QIs for drafting, each with a note of what should change."""
    exercise = _locked(exercise)
    if exercise.status not in INSPECTOR_WORK_STATES:
        raise ApplicationError(CANNOT_REQUEST_CHANGES)
    if not notes:
        raise ApplicationError(CHOOSE_QIS)
    for exercise_qi, note in notes.items():
        if exercise_qi.exercise_id != exercise.pk:
            raise ApplicationError(WRONG_EXERCISE)
        if not (note or "").strip():
            raise ApplicationError(
                CHANGE_NOTE_REQUIRED.format(qi=exercise_qi.quality_indicator.code)
            )
    for exercise_qi, note in notes.items():
        exercise_qi.status = QIStatus.CHANGES_REQUESTED
        exercise_qi.change_request = note.strip()
        exercise_qi.decision = ""
        exercise_qi.save(update_fields=["status", "change_request", "decision", "updated_at"])
        audit_record(
            action="changes_requested",
            actor=by,
            obj=exercise_qi,
            new={"note": exercise_qi.change_request},
            request=request,
        )
    codes = ", ".join(qi.quality_indicator.code for qi in notes)
    _move(exercise, Status.DRAFTING, by=by, request=request, detail=f"Reopened: {codes}")
    _notify_partnership(
        exercise,
        subject=f"Changes requested to your self-evaluation ({codes})",
        body=f"The inspectors have asked for changes to {codes}. The other QIs stay as submitted.",
        link=reverse("partnerships:exercise_detail", args=[exercise.pk]),
    )
    return exercise


# --- Evidence, comments, sessions ----------------------------------------------------------------


@transaction.atomic
def evidence_add(
    *, exercise_qi: ExerciseQI, file, answer: str, claim: str, by, request=None
) -> EvidenceLink:
    """Accept an uploaded file through the upload pipeline and link it to an answer's claim."""
    exercise_qi = ExerciseQI.objects.select_related("exercise").get(pk=exercise_qi.pk)
    if not qi_is_editable(exercise_qi):
        raise ApplicationError(QI_LOCKED)
    if answer not in Answer.values:
        raise ApplicationError(ANSWER_UNKNOWN)
    if not claim.strip():
        raise ApplicationError(CLAIM_REQUIRED)
    stored = upload_accept(
        file=file, policy="evidence", by=by, owner=exercise_qi.exercise, request=request
    )
    link = EvidenceLink.objects.create(
        exercise_qi=exercise_qi, answer=answer, stored_file=stored, claim=claim.strip(), added_by=by
    )
    audit_record(
        action="evidence_linked",
        actor=by,
        obj=link,
        new={"file": str(stored.pk), "answer": answer, "claim": link.claim},
        request=request,
    )
    return link


@transaction.atomic
def comment_add(*, exercise_qi: ExerciseQI, body: str, by, request=None) -> Comment:
    """Add a message to a QI's support thread and email the other side."""
    if not body.strip():
        raise ApplicationError(COMMENT_EMPTY)
    comment = Comment.objects.create(exercise_qi=exercise_qi, author=by, body=body)
    audit_record(action="comment_added", actor=by, obj=comment, new={"body": body}, request=request)
    exercise = exercise_qi.exercise
    link = reverse("partnerships:qi_detail", args=[exercise.pk, exercise_qi.pk]) + "#comments"
    subject = f"New comment on {exercise_qi.quality_indicator.code}: {exercise.title}"
    message = f"{by} wrote a comment on {exercise_qi}. Sign in to read and answer it."
    is_member = Membership.objects.filter(
        user=by, organisation=exercise.partnership, role=Role.PARTNERSHIP_MEMBER, is_active=True
    ).exists()
    if is_member:
        _notify_inspectors(exercise, subject=subject, body=message, link=link, exclude=by)
    else:
        _notify_partnership(exercise, subject=subject, body=message, link=link, exclude=by)
    return comment


@transaction.atomic
def session_record(
    *,
    exercise: Exercise,
    date: date,
    attendees: str,
    attendee_count: int | None = None,
    notes: str = "",
    by,
    request=None,
) -> DevelopmentSession:
    session = DevelopmentSession.objects.create(
        exercise=exercise,
        date=date,
        attendees=attendees,
        attendee_count=attendee_count,
        notes=notes,
    )
    audit_record(
        action="development_session_recorded",
        actor=by,
        obj=session,
        new={"date": date.isoformat(), "attendee_count": attendee_count},
        request=request,
    )
    return session


# --- Analysis, follow-up, decisions ------------------------------------------------------------


def _check_inspector_work(exercise: Exercise) -> None:
    if exercise.status not in INSPECTOR_WORK_STATES:
        raise ApplicationError(NOT_INSPECTOR_WORK)


@transaction.atomic
def uncertainty_add(*, exercise_qi: ExerciseQI, text: str, by, request=None) -> UncertaintyArea:
    _check_inspector_work(Exercise.objects.get(pk=exercise_qi.exercise_id))
    if not text.strip():
        raise ApplicationError("Describe the area of uncertainty.")
    area = UncertaintyArea.objects.create(exercise_qi=exercise_qi, text=text)
    audit_record(
        action="uncertainty_added", actor=by, obj=area, new={"text": text}, request=request
    )
    return area


@transaction.atomic
def follow_up_record(
    *,
    exercise: Exercise,
    kind: str,
    date: date,
    participants: str,
    notes: str = "",
    resolves: Sequence[UncertaintyArea] = (),
    by,
    request=None,
) -> FollowUpActivity:
    """Record a visit, interview or focus group and the areas of uncertainty it resolved."""
    exercise = _locked(exercise)
    _check_inspector_work(exercise)
    activity = FollowUpActivity.objects.create(
        exercise=exercise, kind=kind, date=date, participants=participants, notes=notes
    )
    for area in resolves:
        if area.exercise_qi.exercise_id != exercise.pk:
            raise ApplicationError(WRONG_EXERCISE)
        area.resolved_by = activity
        area.save(update_fields=["resolved_by"])
    audit_record(
        action="follow_up_recorded",
        actor=by,
        obj=activity,
        new={"kind": kind, "date": date.isoformat(), "resolves": [a.pk for a in resolves]},
        request=request,
    )
    return activity


@transaction.atomic
def qi_decide(
    *,
    exercise_qi: ExerciseQI,
    decision: str,
    analysis: str = "",
    reasons: str = "",
    strengths: str = "",
    areas_for_improvement: str = "",
    by,
    request=None,
) -> ExerciseQI:
    """Record the inspectors' analysis and decision on one submitted QI."""
    exercise_qi = (
        ExerciseQI.objects.select_for_update()
        .select_related("exercise", "quality_indicator")
        .get(pk=exercise_qi.pk)
    )
    if exercise_qi.exercise.status not in DECISION_STATES:
        raise ApplicationError(NOT_DECIDING)
    if exercise_qi.status not in {QIStatus.SUBMITTED, QIStatus.DECIDED}:
        raise ApplicationError(NOT_SUBMITTED_QI)
    if decision not in ExerciseQI.Decision.values:
        raise ApplicationError(CHOOSE_DECISION)
    if decision == ExerciseQI.Decision.NOT_VALIDATED and not reasons.strip():
        raise ApplicationError(REASONS_REQUIRED.format(qi=exercise_qi.quality_indicator.code))
    fields = ("decision", "analysis", "decision_reasons", "strengths", "areas_for_improvement")
    old = {name: getattr(exercise_qi, name) for name in fields}
    values = (decision, analysis, reasons, strengths, areas_for_improvement)
    for name, value in zip(fields, values, strict=True):
        setattr(exercise_qi, name, value)
    exercise_qi.status = QIStatus.DECIDED
    exercise_qi.save()
    audit_record(
        action="qi_decision_recorded",
        actor=by,
        obj=exercise_qi,
        old=old,
        new=dict(zip(fields, values, strict=True)),
        request=request,
    )
    return exercise_qi


@transaction.atomic
def exercise_conclusion_save(
    *,
    exercise: Exercise,
    method: str,
    confidence_statement: str,
    next_steps: str,
    feedback_date: date | None,
    feedback_notes: str,
    end_date: date | None = None,
    by,
    request=None,
) -> Exercise:
    """Save the overall confidence statement, method, next steps and the verbal feedback."""
    exercise = _locked(exercise)
    if exercise.status == Status.PUBLISHED:
        raise ApplicationError(PUBLISHED_LOCKED)
    _check_inspector_work(exercise)
    new = {
        "method": method,
        "confidence_statement": confidence_statement,
        "next_steps": next_steps,
        "feedback_date": feedback_date,
        "feedback_notes": feedback_notes,
        "end_date": end_date,
    }
    old = {name: getattr(exercise, name) for name in new}
    for name, value in new.items():
        setattr(exercise, name, value)
    exercise.save()
    audit_record(
        action="exercise_conclusion_saved",
        actor=by,
        obj=exercise,
        old={k: str(v) if isinstance(v, date) else v for k, v in old.items()},
        new={k: str(v) if isinstance(v, date) else v for k, v in new.items()},
        request=request,
    )
    return exercise


# --- The validation letter ---------------------------------------------------------------------


@transaction.atomic
def letter_publish(
    *, exercise: Exercise, by, reason: str = "", request=None, send_feedback: bool = True
) -> LetterPublication:
    """Publish the next version of the validation letter and ask the document pipeline for it.

    A published version is never changed: a correction reopens the exercise for feedback and
    publishes a new version, with the reason it supersedes the last. The first publication also
    emails the feedback questionnaire (feedback_request_send) unless send_feedback is False.
    """
    from reports.services import document_request

    exercise = _locked(exercise)
    if exercise.status != Status.FEEDBACK:
        raise ApplicationError(NOT_PUBLISHABLE)
    undecided = [
        qi.quality_indicator.code
        for qi in exercise.qis.select_related("quality_indicator")
        if qi.status != QIStatus.DECIDED
    ]
    if undecided:
        raise ApplicationError(UNDECIDED.format(qis=", ".join(undecided)))
    if not exercise.confidence_statement.strip():
        raise ApplicationError(CONFIDENCE_REQUIRED)
    if exercise.feedback_date is None:
        raise ApplicationError(FEEDBACK_REQUIRED)
    if exercise.letter_version > 0 and not reason.strip():
        raise ApplicationError(SUPERSEDE_REASON)
    exercise.letter_version += 1
    exercise.published_at = timezone.now()
    exercise.save(update_fields=["letter_version", "published_at", "updated_at"])
    _move(exercise, Status.PUBLISHED, by=by, request=request)
    document = document_request(kind="validation_letter", subject=exercise, by=by, request=request)
    publication = LetterPublication.objects.create(
        exercise=exercise,
        version=exercise.letter_version,
        document=document,
        published_by=by,
        published_at=exercise.published_at,
        reason=reason.strip(),
    )
    audit_record(
        action="validation_letter_published",
        actor=by,
        obj=exercise,
        new={"version": publication.version, "document": document.pk, "reason": reason},
        request=request,
    )
    _notify_partnership(
        exercise,
        subject=f"Your validation letter has been published: {exercise.title}",
        body="The validation letter is ready to download from the exercise page.",
        link=reverse("partnerships:exercise_detail", args=[exercise.pk]),
    )
    if publication.version == 1 and send_feedback:
        # The first publication sends the feedback questionnaire (a correction does not; the
        # strategic inspector can send it again from the exercise page). A questionnaire that
        # cannot be sent, for example with no one to send it to, never stops the publication:
        # its savepoint is rolled back and the page offers the button.
        try:
            feedback_request_send(exercise=exercise, by=by, request=request)
        except ApplicationError as error:
            logger.warning(
                "Feedback questionnaire not sent for exercise %s: %s", exercise.pk, error.message
            )
    return publication


@transaction.atomic
def letter_reopen(*, exercise: Exercise, reason: str, by, request=None) -> Exercise:
    """Reopen a published exercise for correction; the published letter stays as it is."""
    exercise = _locked(exercise)
    if not reason.strip():
        raise ApplicationError(REOPEN_REASON)
    _move(exercise, Status.FEEDBACK, by=by, request=request, detail=reason.strip()[:500])
    return exercise


# --- The feedback questionnaire --------------------------------------------------------------


def feedback_recipients(exercise: Exercise) -> list[str]:
    """The addresses the feedback questionnaire goes to: the partnership's active members and,
    if recorded, the chair's email address."""
    from partnerships.selectors import partnership_chair

    emails = set(
        Membership.objects.filter(
            organisation=exercise.partnership,
            role=Role.PARTNERSHIP_MEMBER,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    chair = partnership_chair(partnership=exercise.partnership)
    if chair is not None and chair.email:
        emails.add(chair.email)
    return sorted(emails, key=str.lower)


@transaction.atomic
def feedback_request_send(
    *, exercise: Exercise, by, request=None, send_email: bool = True
) -> FeedbackRequest:
    """Email the partnership a single-use link to the feedback questionnaire about this exercise.

    Only once the letter is published. Sending again makes a new link and cancels the previous
    one if it has not been used. The raw token goes only into the emails (sent when the
    transaction commits, one message per person so addresses are not shared); the audit entry
    and this row keep the link's id, never its token. The full address is built from
    settings.SITE_URL, like every other email, never from the request's Host header.

    send_email=False records the sending without emailing anyone: for the demo data, whose
    console email backend would otherwise print the token.
    """
    exercise = _locked(exercise)
    if exercise.status != Status.PUBLISHED:
        raise ApplicationError(FEEDBACK_NOT_PUBLISHED)
    recipients = feedback_recipients(exercise)
    if not recipients:
        raise ApplicationError(FEEDBACK_NO_RECIPIENTS)
    previous = exercise.feedback_requests.select_related("link").first()
    revoked = None
    if previous is not None and previous.link.used_at is None and previous.link.revoked_at is None:
        revoked = response_link_revoke(link=previous.link, by=by)
    link, raw_token = feedback_link_create(subject=exercise, by=by)
    feedback_request = FeedbackRequest.objects.create(
        exercise=exercise,
        link=link,
        sent_at=timezone.now(),
        sent_by=by,
        recipients=len(recipients),
    )
    audit_record(
        action="feedback_request_sent",
        actor=by,
        obj=exercise,
        new={
            "link": link.pk,
            "recipients": len(recipients),
            "expires_at": link.expires_at.isoformat(),
            "revoked_link": revoked.pk if revoked else None,
        },
        request=request,
    )
    message = render_to_string(
        "partnerships/email/feedback_request.txt",
        {
            "partnership": exercise.partnership.name,
            "link": response_link_url(raw_token),
            "expires": date_format(timezone.localtime(link.expires_at), "j F Y"),
            "service_name": settings.SERVICE_NAME,
        },
    )
    subject = f"Feedback on your self-evaluation: {exercise.partnership.name}"

    def send() -> None:
        messages = [
            EmailMessage(subject, message, settings.DEFAULT_FROM_EMAIL, [address])
            for address in recipients
        ]
        get_connection().send_messages(messages)

    if send_email:
        transaction.on_commit(send)
    return feedback_request


# --- Notifications -----------------------------------------------------------------------------


def _send(recipients: set[str], *, subject: str, body: str, link: str) -> None:
    if not recipients:
        return
    message = render_to_string(
        "partnerships/email/notification.txt",
        {"body": body, "link": f"{settings.SITE_URL}{link}", "service_name": settings.SERVICE_NAME},
    )
    recipients_sorted = sorted(recipients)
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients_sorted,
        )
    )


def _notify_inspectors(exercise: Exercise, *, subject, body, link, exclude=None) -> None:
    emails = {
        a.user.email
        for a in assignments_for(target=exercise).filter(
            kind__in=["strategic_inspector", "hmics_inspector"]
        )
        if a.user != exclude and a.user.is_active
    }
    _send(emails, subject=subject, body=body, link=link)


def _notify_partnership(exercise: Exercise, *, subject, body, link, exclude=None) -> None:
    emails = set(
        Membership.objects.filter(
            organisation=exercise.partnership, role=Role.PARTNERSHIP_MEMBER, is_active=True
        )
        .exclude(user=exclude)
        .filter(user__is_active=True)
        .values_list("user__email", flat=True)
    )
    _send(emails, subject=subject, body=body, link=link)
