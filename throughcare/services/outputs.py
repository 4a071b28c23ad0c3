"""Writes for a review's outputs: the national report's narrative, its request with a figure
register, and its publication (which freezes the register).

The national report's revision (`national_report_revision`) is derived, not stored: 1, plus
one per audited edit of its narrative or of its recommendations, plus one per audited change
to the record reading (a reading submitted or reopened, an answer moderated) in any area, plus
the survey and interview responses received. The audit log is append-only and responses are
never deleted, so the number only grows, and anything that changes what the report prints
makes the next request a new document. Once the review is published the revision is the one
its register was frozen with, so the published report never changes.
"""

from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core.exceptions import ApplicationError
from core.models import AuditEvent
from core.services import audit_record
from throughcare.models import ReviewRecommendation, ThematicReview

__all__ = [
    "NARRATIVE_TOO_LONG",
    "NATIONAL_REPORT",
    "REPORT_PUBLISHED",
    "UNKNOWN_SECTION",
    "national_report_freeze",
    "national_report_publish",
    "national_report_register",
    "national_report_request",
    "national_report_revision",
    "narrative_sections",
    "report_narrative_update",
]

NATIONAL_REPORT = "throughcare_national_report"
AREA_ANALYSIS = "throughcare_area_analysis"
STAFF_SURVEY_SUMMARY = "throughcare_staff_survey_summary"
NARRATIVE_ACTION = "review_report_narrative_changed"
READING_ACTIONS = ("reading_submitted", "reading_reopened")
PUBLISHED_STATUSES = frozenset({"published", "follow_up", "closed"})
MAX_SECTION_LENGTH = 20_000

REPORT_PUBLISHED = (
    "The national report has been published, so its text cannot change. Record anything new "
    "as an update on a recommendation."
)
UNKNOWN_SECTION = "“{key}” is not a section of the national report."
NARRATIVE_TOO_LONG = "{heading} must be {limit:,} characters or fewer."
NOT_READY_TO_PUBLISH = (
    "The national report can be published only when the review is at the reporting stage."
)

# The sections of the national report written by inspectors, in the order the report prints
# them: (key, heading, hint). Each QI considered adds a strengths and a challenges section.
FIXED_SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "introduction",
        "Introduction",
        "Why the review was done and what it looked at.",
    ),
    (
        "context",
        "Context",
        "Who commissioned the review (for example the Recover, Renew, Transform programme’s "
        "subgroup) and the policy background.",
    ),
    (
        "methodology",
        "Methodology notes",
        "Anything to add to the methodology; the numbers are printed from the review’s data.",
    ),
    ("strengths", "Strengths overall", "The main strengths across the areas."),
    ("challenges", "Challenges overall", "The main challenges across the areas."),
    (
        "conclusion",
        "Conclusion on assurance",
        "Whether the review is assured that practice is operating as it should, and why.",
    ),
    (
        "recommendations",
        "Introduction to the recommendations",
        "A sentence or two before the recommendations to national partners.",
    ),
)


def narrative_sections(review: ThematicReview) -> list[tuple[str, str, str]]:
    """Return every narrative section of the review's report: (key, heading, hint)."""
    sections = list(FIXED_SECTIONS[:5])
    for qi in review.quality_indicators.order_by("position", "code"):
        sections.append(
            (f"strengths_{qi.code}", f"{qi.code} {qi.name}: strengths", "What worked well.")
        )
        sections.append(
            (f"challenges_{qi.code}", f"{qi.code} {qi.name}: challenges", "What was harder.")
        )
    sections.extend(FIXED_SECTIONS[5:])
    return sections


def _published(review: ThematicReview) -> bool:
    return review.status in PUBLISHED_STATUSES


@transaction.atomic
def report_narrative_update(
    *, review: ThematicReview, sections: Mapping[str, str], by, request=None
) -> ThematicReview:
    """Store the national report's narrative sections that changed; audit old and new text."""
    review = ThematicReview.objects.select_for_update().get(pk=review.pk)
    if _published(review):
        raise ApplicationError(REPORT_PUBLISHED)
    headings = {key: heading for key, heading, _ in narrative_sections(review)}
    errors = []
    for key, text in sections.items():
        if key not in headings:
            raise ApplicationError(UNKNOWN_SECTION.format(key=key))
        if len(text or "") > MAX_SECTION_LENGTH:
            errors.append(
                (key, NARRATIVE_TOO_LONG.format(heading=headings[key], limit=MAX_SECTION_LENGTH))
            )
    if errors:
        raise ApplicationError(errors[0][1], extra={"errors": errors})
    narrative = dict(review.narrative or {})
    old, new = {}, {}
    for key, text in sections.items():
        text = (text or "").strip()
        if narrative.get(key, "") != text:
            old[key] = narrative.get(key, "")
            new[key] = text
            if text:
                narrative[key] = text
            else:
                narrative.pop(key, None)
    if not new:
        return review
    review.narrative = narrative
    review.save(update_fields=["narrative", "updated_at"])
    audit_record(
        action=NARRATIVE_ACTION,
        actor=by,
        obj=review,
        old=old,
        new=new,
        request=request,
        detail=", ".join(sorted(new)),
    )
    return review


# --- Revisions ---------------------------------------------------------------------------------


def _frozen_register(review: ThematicReview):
    from reports.models import FigureRegister

    return (
        FigureRegister.objects.filter(
            subject_type=ContentType.objects.get_for_model(ThematicReview),
            subject_id=review.pk,
            frozen_at__isnull=False,
            document__kind=NATIONAL_REPORT,
        )
        .select_related("document")
        .order_by("-frozen_at")
        .first()
    )


def reading_events(sample_ids: list[int]) -> int:
    """Return how many audited changes the record reading of these samples has had."""
    from inspections.models import ModeratedAnswer, Reading

    readings = Reading.objects.filter(sample_record__sample_id__in=sample_ids).values_list(
        "pk", flat=True
    )
    moderated = ModeratedAnswer.objects.filter(sample_record__sample_id__in=sample_ids).values_list(
        "pk", flat=True
    )
    return (
        AuditEvent.objects.filter(
            action__in=READING_ACTIONS,
            object_type=Reading._meta.label_lower,
            object_id__in=[str(pk) for pk in readings],
        ).count()
        + AuditEvent.objects.filter(
            action="answer_moderated",
            object_type=ModeratedAnswer._meta.label_lower,
            object_id__in=[str(pk) for pk in moderated],
        ).count()
    )


def national_report_revision(review: ThematicReview) -> int:
    """Return the revision of the national report's content (see the module's docstring)."""
    if _published(review):
        register = _frozen_register(review)
        if register is not None and register.document is not None:
            return register.document.version
    from inspections.models import Sample
    from qi_framework.models import Response
    from throughcare.models import ReviewArea

    narrative = AuditEvent.objects.filter(
        action=NARRATIVE_ACTION,
        object_type=ThematicReview._meta.label_lower,
        object_id=str(review.pk),
    ).count()
    recommendations = AuditEvent.objects.filter(
        object_type=ReviewRecommendation._meta.label_lower,
        object_id__in=[str(pk) for pk in review.recommendations.values_list("pk", flat=True)],
    ).count()
    areas = list(review.areas.values_list("pk", "activity_id"))
    samples = list(
        Sample.objects.filter(activity_id__in=[a for _, a in areas]).values_list("pk", flat=True)
    )
    responses = (
        Response.objects.filter(
            link__subject_type=ContentType.objects.get_for_model(ReviewArea),
            link__subject_id__in=[pk for pk, _ in areas],
        ).count()
        + Response.objects.filter(
            link__subject_type=ContentType.objects.get_for_model(ThematicReview),
            link__subject_id=review.pk,
        ).count()
    )
    return 1 + narrative + recommendations + reading_events(samples) + responses


# --- The figure register -------------------------------------------------------------------------


def _register_services():
    """Return reports' figure register services (create, freeze), imported when first used."""
    from reports.figure_register import figure_register_create, figure_register_freeze

    return figure_register_create, figure_register_freeze


def national_report_register(*, document):
    """Return the figure register built with a national report document, if any."""
    from reports.models import FigureRegister

    return FigureRegister.objects.filter(document=document).order_by("-created_at").first()


def national_report_request(*, review: ThematicReview, by, request=None):
    """Ask for the national report and build its figure register (once per document)."""
    from reports.services import document_request
    from throughcare.selectors.triangulation import review_figures

    document = document_request(kind=NATIONAL_REPORT, subject=review, by=by, request=request)
    if national_report_register(document=document) is None:
        create, _ = _register_services()
        figures = [f for group in review_figures(review=review).values() for f in group]
        create(
            subject=review,
            label=f"National report: {review.title}, revision {document.version}",
            figures=figures,
            document=document,
            by=by,
        )
    return document


def national_report_freeze(*, document, by):
    """Freeze the figure register built with a national report document (once)."""
    register = national_report_register(document=document)
    if register is not None and not register.is_frozen:
        _, freeze = _register_services()
        register = freeze(register=register, by=by)
    return register


@transaction.atomic
def national_report_publish(*, review: ThematicReview, by, request=None):
    """Publish the national report: its register is frozen and the review moves to published.

    Returns the document that is published (the current revision, asked for if need be).
    """
    from throughcare.services.reviews import review_transition

    review = ThematicReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ThematicReview.Status.REPORTING:
        raise ApplicationError(NOT_READY_TO_PUBLISH)
    document = national_report_request(review=review, by=by, request=request)
    national_report_freeze(document=document, by=by)
    review_transition(review=review, to=ThematicReview.Status.PUBLISHED, by=by, request=request)
    audit_record(
        action="review_report_published",
        actor=by,
        obj=review,
        new={"document": document.pk, "version": document.version},
        request=request,
    )
    return document
