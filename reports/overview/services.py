"""Writes for the national overview report: make one, write its text, ask for its PDF.

Every write is audited. The report's `revision` goes up with every change of its text, and
when the data behind its figures has changed since its last PDF, so each PDF is one Document
(reports.kinds: one subject version, one file) and a new request after a change makes a new one.
The figure register of a PDF is built and frozen when the PDF is asked for.
"""

import datetime as dt
from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core.exceptions import ApplicationError
from core.services import audit_record
from reports.figure_register import (
    ComputedFigure,
    figure_register_create,
    figure_register_freeze,
)
from reports.models import Document, FigureRegister, OverviewReport

__all__ = [
    "KIND",
    "MAX_SECTION_LENGTH",
    "NARRATIVE_ACTION",
    "NARRATIVE_TOO_LONG",
    "PERIOD_BACKWARDS",
    "SECTIONS",
    "TITLE_REQUIRED",
    "UNKNOWN_SECTION",
    "overview_create",
    "overview_narrative_save",
    "overview_register",
    "overview_request",
]

KIND = "overview_report"
NARRATIVE_ACTION = "overview_report_narrative_changed"
MAX_SECTION_LENGTH = 20_000
# The sections inspectors write, in the order the report prints them: (key, heading, hint).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "introduction",
        "Introduction",
        "Who the inspectorate is, why this work was done and what this report covers.",
    ),
    (
        "key_messages",
        "Key messages",
        "The messages drawn from across the scrutiny and assurance activity in the period.",
    ),
    (
        "conclusions",
        "Conclusions",
        "What the activity in the period tells us, taken together.",
    ),
    (
        "future_intentions",
        "Future intentions",
        "The inspectorate’s plans for the next period of scrutiny and assurance.",
    ),
)
SECTION_KEYS = tuple(key for key, _, _ in SECTIONS)

TITLE_REQUIRED = "Enter a title for the overview report, e.g. “Justice overview report 2018-2021”."
PERIOD_BACKWARDS = "The end of the period must be the same as or after its start."
NARRATIVE_TOO_LONG = "{heading} must be {limit:,} characters or fewer."
UNKNOWN_SECTION = "The overview report has no section called “{key}”."


@transaction.atomic
def overview_create(
    *, title: str, period_start: dt.date, period_end: dt.date, by, request=None
) -> OverviewReport:
    """Start an overview report of the scrutiny activity between two dates (inclusive)."""
    title = (title or "").strip()
    if not title:
        raise ApplicationError(TITLE_REQUIRED)
    if period_end < period_start:
        raise ApplicationError(PERIOD_BACKWARDS)
    report = OverviewReport.objects.create(
        title=title[:200],
        period_start=period_start,
        period_end=period_end,
        created_by=by,
    )
    audit_record(
        action="overview_report_created",
        actor=by,
        obj=report,
        new={
            "title": report.title,
            "period_start": period_start.isoformat(),
            "period_end": period_end.isoformat(),
        },
        request=request,
    )
    return report


@transaction.atomic
def overview_narrative_save(
    *, report: OverviewReport, narrative: Mapping[str, str], by, request=None
) -> OverviewReport:
    """Store the inspectors' text of the sections given; an edit moves the report to its next
    revision. Sections not given keep their text; saving the same text changes nothing."""
    headings = {key: heading for key, heading, _ in SECTIONS}
    for key, text in narrative.items():
        if key not in headings:
            raise ApplicationError(UNKNOWN_SECTION.format(key=key))
        if len(text or "") > MAX_SECTION_LENGTH:
            raise ApplicationError(
                NARRATIVE_TOO_LONG.format(heading=headings[key], limit=MAX_SECTION_LENGTH)
            )
    locked = OverviewReport.objects.select_for_update().get(pk=report.pk)
    current = dict(locked.narrative or {})
    old, new = {}, {}
    for key, text in narrative.items():
        text = (text or "").strip().replace("\r\n", "\n")
        if current.get(key, "") != text:
            old[key] = current.get(key, "")
            new[key] = text
            current[key] = text
    if not new:
        return locked
    locked.narrative = current
    locked.revision += 1
    locked.save(update_fields=["narrative", "revision", "updated_at"])
    audit_record(
        action=NARRATIVE_ACTION,
        actor=by,
        obj=locked,
        old=old,
        new={**new, "revision": locked.revision},
        request=request,
    )
    return locked


def overview_register(*, document: Document) -> FigureRegister | None:
    """Return the figure register built with an overview report's document, if any."""
    return FigureRegister.objects.filter(document=document).order_by("-created_at").first()


def _flat(figures: Mapping[str, list[ComputedFigure]]) -> list[ComputedFigure]:
    return [figure for group in figures.values() for figure in group]


def _same_figures(register: FigureRegister, figures: list[ComputedFigure]) -> bool:
    stored = list(
        register.figures.order_by("position").values_list(
            "code", "numerator", "denominator", "words"
        )
    )
    return stored == [(f.code, f.numerator, f.denominator, f.words) for f in figures]


@transaction.atomic
def overview_request(*, report: OverviewReport, by, request=None) -> Document:
    """Ask for the PDF of the report's current revision and register its figures, frozen.

    If a PDF of this revision was already made and the data behind its figures has changed
    since, the report moves to its next revision first, so the new PDF is a new document and
    the old one stays as it was, with its own register.
    """
    from reports.overview.selectors import overview_figures
    from reports.services import document_request

    locked = OverviewReport.objects.select_for_update().get(pk=report.pk)
    figures = _flat(overview_figures(start=locked.period_start, end=locked.period_end))
    existing = Document.objects.filter(
        kind=KIND,
        subject_type=ContentType.objects.get_for_model(OverviewReport),
        subject_id=locked.pk,
        version=locked.revision,
    ).first()
    if existing is not None:
        register = overview_register(document=existing)
        if register is not None and not _same_figures(register, figures):
            old_revision = locked.revision
            locked.revision += 1
            locked.save(update_fields=["revision", "updated_at"])
            audit_record(
                action="overview_report_data_changed",
                actor=by,
                obj=locked,
                old={"revision": old_revision},
                new={"revision": locked.revision},
                request=request,
            )
    document = document_request(kind=KIND, subject=locked, by=by, request=request)
    if overview_register(document=document) is None:
        register = figure_register_create(
            subject=locked,
            label=f"Overview report: {locked.title}, revision {document.version}",
            figures=figures,
            document=document,
            by=by,
        )
        figure_register_freeze(register=register, by=by)
    return document
