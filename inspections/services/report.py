"""The inspection report's narrative and its snapshot: what the PDF prints.

Inspectors write the report section by section in the browser (the standard sections of a
published CPO report, DOMAIN §9.3, plus any topical sections they add). Figures are never typed:
a section refers to a computed figure by its code with a token, `[[figure:<code>]]`, and the
report prints the figure's words from the statistics (`inspections.selectors.evidence`).

The snapshot the PDF prints (`report_snapshot`) and the report's task-list line are reads, in
`inspections.selectors.report`; the two small reads the section pages need
(`report_sections_of`, `section_figures`) stay here beside the writes they go with.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.exceptions import ApplicationError
from core.services import audit_record
from core.text import render_narrative
from inspections.models import (
    Inspection,
    InspectionQI,
    ReportSection,
)

__all__ = [
    "FIGURE_TOKEN_MALFORMED",
    "FIGURES_UNKNOWN",
    "REPORT_PUBLISHED",
    "SECTION_BODY_TOO_LONG",
    "SECTION_HEADING_REQUIRED",
    "SECTION_HEADING_TOO_LONG",
    "SECTION_NOT_OF_INSPECTION",
    "SECTION_NOT_TOPICAL",
    "SECTION_KEY_INVALID",
    "figure_token",
    "figure_tokens",
    "inspection_figures_or_empty",
    "render_with_figures",
    "report_section_delete",
    "report_section_move",
    "report_section_save",
    "report_sections_ensure",
    "report_sections_of",
    "section_figures",
]

BODY_LIMIT = 20_000
HEADING_LIMIT = 300

REPORT_PUBLISHED = (
    "The report has been published, so its text can no longer change. A correction is made "
    "as a new version of the report."
)
SECTION_KEY_INVALID = "There is no report section called “{key}”."
SECTION_NOT_OF_INSPECTION = "That section belongs to another inspection’s report."
SECTION_NOT_TOPICAL = "Only topical sections can be removed or moved."
SECTION_HEADING_REQUIRED = "Enter a heading for the topical section"
SECTION_HEADING_TOO_LONG = f"The heading must be {HEADING_LIMIT} characters or fewer"
SECTION_BODY_TOO_LONG = f"The text must be {BODY_LIMIT:,} characters or fewer"
FIGURES_UNKNOWN = (
    "The text refers to figures that do not exist for this inspection: {codes}. Copy the token "
    "of a figure from the list of figures, or remove the token."
)
FIGURE_TOKEN_MALFORMED = (
    "The text has a figure token that cannot be read: {tokens}. A token looks like "
    "[[figure:code]], with the code copied from the list of figures."
)
FIGURE_UNAVAILABLE = "[figure not available: {code}]"

K = ReportSection.Key

# DOMAIN §9.3: the order of a published CPO report. Topical sections come after leadership.
STANDARD_ORDER = [
    K.INTRODUCTION,
    K.CONDUCT,
    K.CONTEXT,
    K.KEY_MESSAGES,
    K.OUTCOMES,
    K.PROCESSES,
    K.IMPACT,
    K.LEADERSHIP,
    K.AREAS_FOR_IMPROVEMENT,
    K.CAPACITY,
]
POSITIONS = {key: (i + 1) * 100 for i, key in enumerate(STANDARD_ORDER)}
TOPICAL_FIRST = POSITIONS[K.LEADERSHIP] + 1
TOPICAL_LAST = POSITIONS[K.AREAS_FOR_IMPROVEMENT] - 1

# The QIs each findings section reports on (those the inspection reports on are kept), and the
# group of methodology figures for the section on how the inspection was conducted.
SECTION_QIS = {
    K.OUTCOMES: ("1.1",),
    K.PROCESSES: ("5.1", "5.2", "5.3", "5.4"),
    K.IMPACT: ("2.1",),
    K.LEADERSHIP: ("9.4", "6.1", "6.4"),
}
METHOD = "method"

# What each standard section is for, shown to inspectors as the hint on its text box.
SECTION_HINTS = {
    K.INTRODUCTION: "Why the inspection took place and what it looked at.",
    K.CONDUCT: (
        "How the inspection was carried out. The numbers of records read, people interviewed "
        "and focus groups are printed for you; add anything else the reader needs."
    ),
    K.CONTEXT: "The authority, its justice social work service, governance and demand.",
    K.KEY_MESSAGES: "The main findings, strengths and areas for improvement, as short points.",
    K.OUTCOMES: "Findings on QI 1.1: improving life chances and outcomes.",
    K.PROCESSES: "Findings on QIs 5.1 to 5.4: help and support, assessment, planning, involvement.",
    K.IMPACT: "Findings on QI 2.1: the impact and experience of community payback orders.",
    K.LEADERSHIP: "Findings on QI 9.4: leadership of improvement and change.",
    K.TOPICAL: "Findings on the topical question the inspection looked at.",
    K.AREAS_FOR_IMPROVEMENT: (
        "An introduction to the areas for improvement. The recommendations and areas for "
        "improvement recorded with the evaluations are printed after it."
    ),
    K.CAPACITY: (
        "An introduction to the capacity for improvement. The statement recorded with the "
        "evaluations is printed after it."
    ),
}

PUBLISHED_OR_LATER = {
    Inspection.Status.PUBLISHED,
    Inspection.Status.IMPROVEMENT,
    Inspection.Status.CLOSED,
}

# A figure's code: letters, digits and . _ : / + - (nothing that HTML escaping changes, so the
# token reads the same in typed text and in the rendered HTML).
TOKEN = re.compile(r"\[\[figure:([A-Za-z0-9._:/+\-]+)\]\]")
LOOSE_TOKEN = re.compile(r"\[\[\s*figure\s*:?(.*?)\]\]", re.IGNORECASE | re.DOTALL)


# --- Figures ---------------------------------------------------------------------------------


def figure_token(code: str) -> str:
    return f"[[figure:{code}]]"


def figure_tokens(text: str) -> list[str]:
    """Return the figure codes a text refers to, in order, each once."""
    return list(dict.fromkeys(TOKEN.findall(text or "")))


def _malformed_tokens(text: str) -> list[str]:
    return [
        match.group(0)
        for match in LOOSE_TOKEN.finditer(text or "")
        if not TOKEN.fullmatch(match.group(0))
    ]


def inspection_figures_or_empty(*, inspection: Inspection) -> dict[str, list]:
    """Return the inspection's computed figures by group (QI code or "method"); {} until the
    statistics module exists."""
    try:
        from inspections.selectors.evidence import inspection_figures
    except ImportError:
        return {}
    return inspection_figures(inspection=inspection) or {}


FIGURE_FIELDS = (
    "code",
    "section",
    "definition",
    "numerator",
    "denominator",
    "words",
    "records_url",
)


def _figure_dict(figure) -> dict:
    """Return a figure as plain data, with the records behind it as [id, reference] pairs
    (pseudonymised references), so the figure register of a published version can be frozen
    from the snapshot."""
    get = (
        figure.get
        if isinstance(figure, Mapping)
        else lambda name, default="": getattr(figure, name, default)
    )
    data = {name: get(name, "") for name in FIGURE_FIELDS}
    data["records"] = [[record_id, reference] for record_id, reference in get("records", ()) or ()]
    return data


def _figure_words(figure) -> str:
    return figure["words"] if isinstance(figure, Mapping) else figure.words


def render_with_figures(text: str | None, figures: Mapping, *, trace: bool = False) -> SafeString:
    """Return typed text as safe HTML with each figure token replaced by the figure's words.

    The text goes through the one narrative renderer first (everything typed is escaped); then
    each token in its output is replaced by the figure's words, escaped. `figures` maps a code
    to a ComputedFigure or its dict. With `trace` (the preview page), each figure links to its
    row in the preview's list of figures, which says what was counted and from which records.
    """
    html = str(render_narrative(text))

    def replace(match: re.Match) -> str:
        code = match.group(1)
        figure = figures.get(code)
        if figure is None:
            return (
                f'<strong class="app-figure app-figure--missing">'
                f"{escape(FIGURE_UNAVAILABLE.format(code=code))}</strong>"
            )
        data = figure if isinstance(figure, Mapping) else _figure_dict(figure)
        words = escape(data["words"])
        if not trace:
            return f'<span class="figure">{words}</span>'
        code = escape(data["code"])
        return (
            f'<strong class="app-figure">{words}</strong> '
            f'<a class="govuk-link" href="#figure-{code}">(figure {code})</a>'
        )

    return mark_safe(TOKEN.sub(replace, html))  # noqa: S308  (escaped above)


def _plain_with_figures(text: str, figures: Mapping) -> str:
    """Return typed text with each token replaced by the figure's words (plain text)."""

    def replace(match: re.Match) -> str:
        figure = figures.get(match.group(1))
        return _figure_words(figure) if figure is not None else match.group(0)

    return TOKEN.sub(replace, text or "")


def _section_groups(key: str, reported: Iterable[str]) -> list[str]:
    """Return the figure groups that belong to a section: its QIs, or the method figures."""
    if key == K.CONDUCT:
        return [METHOD]
    reported = list(reported)
    return [code for code in SECTION_QIS.get(key, ()) if code in reported]


@dataclass(frozen=True)
class FigureGroup:
    name: str  # a QI code or "method"
    title: str
    own: bool  # the section's own figures (listed first)
    figures: list


def section_figures(
    *, inspection: Inspection, key: str, figures: Mapping[str, list] | None = None
) -> list[FigureGroup]:
    """Return every figure a section may use, grouped: the section's own groups first."""
    figures = inspection_figures_or_empty(inspection=inspection) if figures is None else figures
    names = dict(
        InspectionQI.objects.filter(inspection=inspection).values_list(
            "quality_indicator__code", "quality_indicator__name"
        )
    )
    own = _section_groups(key, names)
    groups = []
    for name in [*own, *[g for g in figures if g not in own]]:
        if not figures.get(name):
            continue
        title = "How the inspection was conducted" if name == METHOD else names.get(name, "")
        title = f"{name} {title}" if name != METHOD else title
        groups.append(FigureGroup(name, title.strip(), name in own, list(figures[name])))
    return groups


def _all_figures(figures: Mapping[str, list]) -> dict[str, object]:
    return {
        f.code if not isinstance(f, Mapping) else f["code"]: f for g in figures.values() for f in g
    }


# --- Sections --------------------------------------------------------------------------------


def _refuse_if_published(inspection: Inspection) -> None:
    if inspection.status in PUBLISHED_OR_LATER:
        raise ApplicationError(REPORT_PUBLISHED)


def _section_json(section: ReportSection) -> dict:
    return {"key": section.key, "heading": section.heading, "body": section.body}


@transaction.atomic
def report_sections_ensure(*, inspection: Inspection) -> list[ReportSection]:
    """Create the standard sections the report lacks, in DOMAIN §9.3 order; return them all."""
    existing = set(
        ReportSection.objects.filter(inspection=inspection)
        .exclude(key=K.TOPICAL)
        .values_list("key", flat=True)
    )
    missing = [key for key in STANDARD_ORDER if key not in existing]
    if missing:
        ReportSection.objects.bulk_create(
            [
                ReportSection(inspection=inspection, key=key, position=POSITIONS[key])
                for key in missing
            ],
            ignore_conflicts=True,  # another request made them at the same moment
        )
    return list(ReportSection.objects.filter(inspection=inspection))


def report_sections_of(*, inspection: Inspection) -> list[ReportSection]:
    """Return the report's sections in print order (the standard ones made if missing)."""
    return report_sections_ensure(inspection=inspection)


def _check_body(inspection: Inspection, key: str, body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > BODY_LIMIT:
        raise ApplicationError(
            SECTION_BODY_TOO_LONG, extra={"errors": [("body", SECTION_BODY_TOO_LONG)]}
        )
    malformed = _malformed_tokens(body)
    if malformed:
        message = FIGURE_TOKEN_MALFORMED.format(tokens=", ".join(malformed))
        raise ApplicationError(message, extra={"errors": [("body", message)]})
    codes = figure_tokens(body)
    if codes:
        known = _all_figures(inspection_figures_or_empty(inspection=inspection))
        unknown = [code for code in codes if code not in known]
        if unknown:
            message = FIGURES_UNKNOWN.format(codes=", ".join(unknown))
            raise ApplicationError(
                message, extra={"errors": [("body", message)], "unknown": unknown}
            )
    return body


def _check_heading(heading: str) -> str:
    heading = " ".join((heading or "").split())
    if not heading:
        raise ApplicationError(
            SECTION_HEADING_REQUIRED, extra={"errors": [("heading", SECTION_HEADING_REQUIRED)]}
        )
    if len(heading) > HEADING_LIMIT:
        raise ApplicationError(
            SECTION_HEADING_TOO_LONG, extra={"errors": [("heading", SECTION_HEADING_TOO_LONG)]}
        )
    return heading


@transaction.atomic
def report_section_save(
    *,
    inspection: Inspection,
    key: str,
    body: str,
    by,
    heading: str = "",
    section: ReportSection | None = None,
    request=None,
) -> ReportSection:
    """Save one section's text (and a topical section's heading); add a topical section when
    `key` is "topical" and no `section` is given. Refused once the inspection is published and
    when the text refers to figures that do not exist."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _refuse_if_published(inspection)
    if section is not None:
        if section.inspection_id != inspection.pk:
            raise ApplicationError(SECTION_NOT_OF_INSPECTION)
        section = ReportSection.objects.select_for_update().get(pk=section.pk)
        key = section.key
    elif key not in K.values:
        raise ApplicationError(SECTION_KEY_INVALID.format(key=key))
    body = _check_body(inspection, key, body)
    heading = _check_heading(heading) if key == K.TOPICAL else ""
    if section is None and key != K.TOPICAL:
        report_sections_ensure(inspection=inspection)
        section = ReportSection.objects.select_for_update().get(inspection=inspection, key=key)
    old = _section_json(section) if section is not None else None
    if section is None:
        last = ReportSection.objects.filter(inspection=inspection, key=K.TOPICAL).aggregate(
            last=Max("position")
        )["last"]
        position = min((last or TOPICAL_FIRST - 1) + 1, TOPICAL_LAST)
        section = ReportSection(inspection=inspection, key=K.TOPICAL, position=position)
    section.body = body
    section.heading = heading
    new = _section_json(section)
    if old != new:
        section.updated_by = by
        section.save()
        audit_record(
            action="report.section_add" if old is None else "report.section_save",
            actor=by,
            obj=section,
            old=old,
            new=new,
            request=request,
            detail=f"{inspection.title}: {section}",
        )
    return section


def _topical(section: ReportSection) -> ReportSection:
    if section.key != K.TOPICAL:
        raise ApplicationError(SECTION_NOT_TOPICAL)
    return section


@transaction.atomic
def report_section_delete(*, section: ReportSection, by, request=None) -> None:
    """Remove a topical section from the report (standard sections stay)."""
    inspection = Inspection.objects.select_for_update().get(pk=section.inspection_id)
    _refuse_if_published(inspection)
    _topical(section)
    audit_record(
        action="report.section_remove",
        actor=by,
        obj=section,
        old=_section_json(section),
        request=request,
        detail=f"{inspection.title}: {section}",
    )
    section.delete()


@transaction.atomic
def report_section_move(*, section: ReportSection, up: bool, by, request=None) -> ReportSection:
    """Move a topical section one place up or down among the topical sections."""
    inspection = Inspection.objects.select_for_update().get(pk=section.inspection_id)
    _refuse_if_published(inspection)
    _topical(section)
    topical = list(
        ReportSection.objects.select_for_update().filter(inspection=inspection, key=K.TOPICAL)
    )
    index = next(i for i, s in enumerate(topical) if s.pk == section.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(topical):
        return section
    old = [s.pk for s in topical]
    topical[index], topical[other] = topical[other], topical[index]
    for position, item in enumerate(topical, start=TOPICAL_FIRST):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    audit_record(
        action="report.section_move",
        actor=by,
        obj=section,
        old={"order": old},
        new={"order": [s.pk for s in topical]},
        request=request,
        detail=f"{inspection.title}: {section}",
    )
    section.refresh_from_db()
    return section


# --- The snapshot ----------------------------------------------------------------------------
