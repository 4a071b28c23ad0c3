"""The inspection report's narrative and its snapshot: what the PDF prints.

Inspectors write the report section by section in the browser (the standard sections of a
published CPO report, DOMAIN §9.3, plus any topical sections they add). Figures are never typed:
a section refers to a computed figure by its code with a token, `[[figure:<code>]]`, and the
report prints the figure's words from the statistics (`inspections.selectors.evidence`).

`report_snapshot` freezes everything the PDF prints into one JSON-serialisable dict. A report
version stores it (`ReportVersion.content`) and its PDF is rendered from that alone, so a
published PDF never changes when the live data does.

The few reads the pages need (`report_sections_of`, `section_figures`, `report_task`) sit here
beside the writes, so the report lives in one module.
"""

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.exceptions import ApplicationError
from core.services import audit_record
from core.text import render_narrative
from inspections.models import (
    Answer,
    Evaluation,
    EvaluationRecord,
    FieldworkEvent,
    Inspection,
    InspectionQI,
    Interview,
    ModeratedAnswer,
    Population,
    Reading,
    Recommendation,
    ReportSection,
    Sample,
    SampleRecord,
    SelfAssessment,
)
from reports.statistics import count_phrase, percentage

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
    "report_snapshot",
    "report_task",
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

TERMS = [
    (
        "Community payback order (CPO)",
        "A community sentence with one or more requirements, "
        "such as supervision or unpaid work, imposed under the Criminal Procedure (Scotland) Act "
        "1995.",
    ),
    (
        "Justice social work report (CJSWR)",
        "A report prepared for the court by a justice social "
        "worker to help the court decide on a sentence.",
    ),
    (
        "LS/CMI",
        "Level of service/case management inventory: the assessment of risk and need "
        "used for people on supervision.",
    ),
    (
        "Case management plan (CMP)",
        "The plan, drawn up with the person, of the work to be done "
        "to meet their needs and reduce the risk of further offending.",
    ),
    (
        "Risk of serious harm (RoSH)",
        "An assessment of the likelihood and impact of a person causing serious harm to others.",
    ),
    (
        "Unpaid work",
        "Work in the community, or other activity, that a person must complete as "
        "a requirement of their order.",
    ),
    (
        "Associate assessor",
        "A senior manager from another local authority who joins the inspection team.",
    ),
    (
        "Integration joint board (IJB)",
        "The body that plans and directs health and social care "
        "services delegated to a health and social care partnership.",
    ),
]


def _percent(value: Fraction) -> str:
    return f"{float(value * 100):.4g}%"


def _band_meaning(band) -> str:
    counted = "of the records, people or cases counted"
    lower, upper = band.lower, band.upper
    if lower == upper:
        if lower == 0:
            return f"None (0%) {counted}."
        if lower == 1:
            return f"All (100%) {counted}."
        return f"Exactly {_percent(lower)} {counted}."
    above = f"{'From' if band.lower_inclusive else 'More than'} {_percent(lower)}"
    below = (
        f"{'up to and including' if band.upper_inclusive else 'and less than'} {_percent(upper)}"
    )
    return f"{above} {below} {counted}."


def _terms() -> list[dict]:
    from reports.statistics import BANDS_NOT_LOADED, quantifier_bands_current

    terms = [{"term": term, "meaning": meaning} for term, meaning in TERMS]
    try:
        bands = quantifier_bands_current()
    except ApplicationError as error:
        if error.message != BANDS_NOT_LOADED:
            raise
        bands = ()
    for band in bands:
        terms.append({"term": band.term.capitalize(), "meaning": _band_meaning(band)})
    return terms


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _team(inspection: Inspection) -> dict:
    from accounts.selectors import assignments_for

    kinds = Counter(assignments_for(target=inspection.activity).values_list("kind", flat=True))
    lead = assignments_for(target=inspection.activity).filter(kind="lead_inspector").first()
    return {
        "lead": lead.user.name if lead else "",
        "inspectors": kinds["lead_inspector"] + kinds["inspector"],
        "associate_assessors": kinds["associate_assessor"],
        "local_co_readers": kinds["local_co_reader"],
    }


def _method(inspection: Inspection) -> dict:
    activity = inspection.activity
    population = Population.objects.filter(activity=activity).first()
    sample = Sample.objects.filter(activity=activity).first()
    read = 0
    if sample is not None:
        read = (
            SampleRecord.objects.filter(
                sample=sample,
                role=SampleRecord.Role.SAMPLED,
                readings__status=Reading.Status.SUBMITTED,
            )
            .distinct()
            .count()
        )
    events = activity.fieldwork_events.filter(status=FieldworkEvent.Status.COMPLETED).exclude(
        kind=FieldworkEvent.Kind.READING_SESSION
    )
    groups: dict[str, dict] = {}
    for event in events:
        group = groups.setdefault(
            event.kind,
            {
                "kind": event.kind,
                "label": event.get_kind_display(),
                "events": 0,
                "people": 0,
                "remote": 0,
            },
        )
        group["events"] += 1
        group["people"] += sum(
            int(n) for n in (event.participants or {}).values() if str(n).isdigit()
        )
        group["remote"] += int(event.is_remote)
    return {
        "population": population.row_count if population else 0,
        "sample_size": sample.size if sample else 0,
        "records_read": read,
        "double_read": sample.records.filter(double_read=True).count() if sample else 0,
        "interviews": Interview.objects.filter(activity=activity).count(),
        "conversations": sorted(
            groups.values(), key=lambda g: list(FieldworkEvent.Kind.values).index(g["kind"])
        ),
        "period_start": _date(inspection.period_start),
        "period_end": _date(inspection.period_end),
    }


def _long_date(iso: str | None) -> str:
    return dateformat.format(dt.date.fromisoformat(iso), "j F Y") if iso else ""


def _people(n: int) -> str:
    return f"{count_phrase(n)} {'person' if n == 1 else 'people'}"


def _conduct_sentences(
    authority: str, dates: dict, method: dict, team: dict, self_evaluated: bool
) -> list[str]:
    """Return what the section on how the inspection was conducted prints from the data."""
    sentences = []
    if dates["fieldwork_start"] and dates["fieldwork_end"]:
        sentences.append(
            f"The fieldwork took place between {_long_date(dates['fieldwork_start'])} and "
            f"{_long_date(dates['fieldwork_end'])}."
        )
    if self_evaluated:
        sentences.append(
            f"{authority} submitted a self-evaluation against the quality indicators, with "
            "supporting evidence, which we analysed before the fieldwork."
        )
    period = (
        f" between {_long_date(method['period_start'])} and {_long_date(method['period_end'])}"
        if method["period_start"] and method["period_end"]
        else ""
    )
    if method["records_read"]:
        shown = (
            percentage(method["records_read"], method["population"])
            if method["population"]
            else None
        )
        share = f" ({shown})" if shown else ""
        sentences.append(
            f"We read a representative sample of the case records of people who were, or had "
            f"been, subject to a community payback order{period}: {method['records_read']:,} of "
            f"{method['population']:,} records{share}."
        )
    elif method["sample_size"]:
        sentences.append(
            f"We drew a representative sample of {method['sample_size']:,} of "
            f"{method['population']:,} case records; none has been read yet."
        )
    if method["double_read"]:
        n = method["double_read"]
        sentences.append(
            f"Two readers read {count_phrase(n)} of the records independently, to check that "
            "records were read consistently."
        )
    if method["interviews"]:
        sentences.append(
            f"We interviewed {_people(method['interviews'])} subject to a community payback "
            "order about their experience."
        )
    if method["conversations"]:
        parts = [
            f"{g['label'].lower()} ({count_phrase(g['events'])} "
            f"{'meeting' if g['events'] == 1 else 'meetings'}"
            f"{', ' + _people(g['people']) if g['people'] else ''})"
            for g in method["conversations"]
        ]
        sentences.append("We held focus groups and meetings: " + "; ".join(parts) + ".")
    if team["inspectors"]:
        extra = []
        if team["associate_assessors"]:
            n = team["associate_assessors"]
            extra.append(
                f"{count_phrase(n)} associate assessor{'s' if n != 1 else ''} "
                "from another local authority"
            )
        if team["local_co_readers"]:
            n = team["local_co_readers"]
            extra.append(
                f"{count_phrase(n)} member{'s' if n != 1 else ''} of {authority}’s staff "
                "who read records with us"
            )
        n = team["inspectors"]
        sentences.append(
            f"The inspection team was {count_phrase(n)} inspector{'s' if n != 1 else ''} from the "
            f"Care Inspectorate{', with ' + ' and '.join(extra) if extra else ''}."
        )
    return sentences


def _rating_distributions(inspection: Inspection, reported: list[str]) -> dict[str, list[dict]]:
    """Return, per QI, each six-point rating question of the reading tool with the number of
    records at each grade (the answer that counts: moderated, else the first reading's)."""
    from qi_framework.models import Question

    activity = inspection.activity
    sample = Sample.objects.filter(activity=activity).first()
    if sample is None or activity.reading_instrument_id is None:
        return {}
    questions = list(
        Question.objects.filter(
            version_id=activity.reading_instrument_id, kind=Question.Kind.RATING_6
        )
        .prefetch_related("qis")
        .order_by("section__position", "position")
    )
    if not questions:
        return {}
    # The answer that counts: the moderated answer where there is one, else the first reading's
    # (as inspections.selectors.answers_that_count), over the active sampled records; values
    # only, so the cost does not grow with model instances.
    active = {
        "sample_record__sample": sample,
        "sample_record__role": SampleRecord.Role.SAMPLED,
        "sample_record__status": SampleRecord.Status.ACTIVE,
    }
    values: dict[tuple[int, str], object] = {}
    for record_id, code, value in Answer.objects.filter(
        reading__order=Reading.Order.FIRST,
        question__in=questions,
        **{f"reading__{key}": v for key, v in active.items()},
    ).values_list("reading__sample_record_id", "question__code", "value_number"):
        values[(record_id, code)] = value
    for record_id, code, value in ModeratedAnswer.objects.filter(
        question__code__in=[q.code for q in questions], **active
    ).values_list("sample_record_id", "question__code", "value_number"):
        values[(record_id, code)] = value
    counts: dict[str, Counter] = {q.code: Counter() for q in questions}
    for (_, code), value in values.items():
        if value is not None:
            counts[code][int(value)] += 1
    result: dict[str, list[dict]] = {}
    for question in questions:
        total = sum(counts[question.code].values())
        if not total:
            continue
        row = {
            "code": question.code,
            "label": question.text,
            "counts": [
                {"value": v, "count": counts[question.code].get(v, 0)} for v in range(6, 0, -1)
            ],
            "total": total,
        }
        for qi in question.qis.all():
            if qi.code in reported:
                result.setdefault(qi.code, []).append(row)
    return result


KEY_FIGURES_MAX = 8


def _key_figures(figures: list) -> list[str]:
    """Return the codes of a section's key figures: each rated item's "good or better"
    sentence, then the "yes" answers to its questions, for items some records answered (at
    most eight)."""
    data = [_figure_dict(f) for f in figures]
    answered = [f for f in data if f["denominator"]]
    chosen = [f["code"] for f in answered if f["code"].endswith("-good")]
    chosen += [f["code"] for f in answered if f["code"].endswith("-yes")]
    return chosen[:KEY_FIGURES_MAX]


def _qi_model(inspection: Inspection, reported: set[str], evaluated: set[str]) -> list[dict]:
    from qi_framework.selectors import framework_tree

    model = []
    for kq in framework_tree(framework=inspection.activity.framework):
        indicators = []
        for indicator in kq.indicators.all():
            indicators.append(
                {
                    "number": indicator.number,
                    "name": indicator.name,
                    "qis": [
                        {
                            "code": qi.code,
                            "name": qi.name,
                            "reported": qi.code in reported,
                            "evaluated": qi.code in evaluated,
                        }
                        for qi in indicator.quality_indicators.all()
                    ],
                }
            )
        model.append({"number": kq.number, "text": kq.text, "indicators": indicators})
    return model


def report_snapshot(*, inspection: Inspection) -> dict:
    """Return everything the report's PDF prints, as plain JSON-serialisable data.

    Section texts keep their tokens (`body`) and have them replaced by the figures' words
    (`text`); `figures` holds each figure's code, definition, counts and words, so the PDF
    prints from this alone. `missing_figures` lists tokens whose figure no longer exists.
    """
    inspection = Inspection.objects.select_related(
        "activity", "activity__authority", "activity__framework"
    ).get(pk=inspection.pk)
    activity = inspection.activity
    framework = activity.framework
    iqis = list(
        InspectionQI.objects.filter(inspection=inspection).select_related("quality_indicator")
    )
    reported = [i.quality_indicator.code for i in iqis]
    evaluated = [i.quality_indicator.code for i in iqis if i.evaluated]
    scale = list(framework.scale.order_by("-value"))
    labels = {level.value: level.label for level in scale}

    grouped = inspection_figures_or_empty(inspection=inspection)
    figures = {code: _figure_dict(f) for code, f in _all_figures(grouped).items()}
    groups = {
        name: [f.code if not isinstance(f, Mapping) else f["code"] for f in items]
        for name, items in grouped.items()
    }

    sections = []
    missing: list[str] = []
    for section in report_sections_ensure(inspection=inspection):
        codes = figure_tokens(section.body)
        missing.extend(code for code in codes if code not in figures)
        own = _section_groups(section.key, reported)
        sections.append(
            {
                "id": section.pk,
                "key": section.key,
                "title": section.heading if section.key == K.TOPICAL else section.get_key_display(),
                "qis": [code for code in SECTION_QIS.get(section.key, ()) if code in reported],
                "body": section.body,
                "text": _plain_with_figures(section.body, figures),
                "figures_used": codes,
                "key_figures": []
                if section.key == K.CONDUCT
                else _key_figures([f for name in own for f in grouped.get(name, [])]),
            }
        )

    evaluations = {
        e.quality_indicator.code: e
        for e in Evaluation.objects.filter(inspection=inspection).select_related(
            "quality_indicator"
        )
    }
    evaluation_rows = []
    for iqi in iqis:
        if not iqi.evaluated:
            continue
        qi = iqi.quality_indicator
        evaluation = evaluations.get(qi.code)
        grade = evaluation.grade if evaluation else None
        evaluation_rows.append(
            {
                "code": qi.code,
                "name": qi.name,
                "grade": grade,
                "label": labels.get(grade, "") if grade else "",
                "rationale": evaluation.rationale if evaluation else "",
                "strengths": evaluation.strengths if evaluation else "",
                "areas_for_improvement": evaluation.areas_for_improvement if evaluation else "",
            }
        )
    graded = Counter(row["grade"] for row in evaluation_rows if row["grade"])
    record = EvaluationRecord.objects.filter(inspection=inspection).first()
    recommendations = [
        {
            "kind": r.kind,
            "kind_label": r.get_kind_display(),
            "text": r.text,
            "qis": sorted(q.code for q in r.quality_indicators.all()),
        }
        for r in Recommendation.objects.filter(inspection=inspection).prefetch_related(
            "quality_indicators"
        )
    ]
    dates = {
        "period_start": _date(inspection.period_start),
        "period_end": _date(inspection.period_end),
        "notice_date": _date(inspection.notice_date),
        "fieldwork_start": _date(inspection.fieldwork_start),
        "fieldwork_end": _date(inspection.fieldwork_end),
        "feedback_date": _date(inspection.feedback_date),
        "target_publication": _date(inspection.target_publication),
    }
    team = _team(inspection)
    method = _method(inspection)
    self_evaluated = (
        SelfAssessment.objects.filter(inspection=inspection).exclude(narrative="").exists()
    )
    method["sentences"] = _conduct_sentences(
        activity.authority.name, dates, method, team, self_evaluated
    )
    return {
        "schema": 1,
        "made_at": timezone.now().isoformat(),
        "inspection": {
            "id": inspection.pk,
            "title": inspection.title,
            "authority": activity.authority.name,
            "governance": inspection.get_governance_display() if inspection.governance else "",
            **dates,
        },
        "framework": {"name": framework.name, "version": framework.version},
        "team": team,
        "method": method,
        "reported_qis": reported,
        "evaluated_qis": evaluated,
        "sections": sections,
        "figures": figures,
        "figure_groups": groups,
        "missing_figures": list(dict.fromkeys(missing)),
        "evaluations": evaluation_rows,
        "grade_distribution": [
            {"value": level.value, "label": level.label, "count": graded.get(level.value, 0)}
            for level in scale
        ],
        "rating_distributions": _rating_distributions(inspection, reported),
        "recommendations": recommendations,
        "capacity_statement": record.capacity_for_improvement if record else "",
        "scale": [
            {
                "value": level.value,
                "label": level.label,
                "short_definition": level.short_definition,
                "long_definition": level.long_definition,
            }
            for level in scale
        ],
        "qi_model": _qi_model(inspection, set(reported), set(evaluated)),
        "terms": _terms(),
    }


# --- The inspection home's task ---------------------------------------------------------------


def report_task(*, inspection: Inspection, user=None):
    """Return the "Report" step of the inspection's task list, or None for people who may not
    see the report."""
    from inspections.selectors.setup import InspectionTask, TaskState

    if user is not None and not user.has_perm("inspections.view_report", inspection):
        return None
    bodies = list(
        ReportSection.objects.filter(inspection=inspection).values_list("body", flat=True)
    )
    written = sum(1 for body in bodies if body.strip())
    if inspection.status in PUBLISHED_OR_LATER:
        state = TaskState.COMPLETED
    elif written:
        state = TaskState.IN_PROGRESS
    else:
        state = TaskState.NOT_STARTED
    return InspectionTask(
        "Inspection report",
        state,
        reverse("inspections:report_detail", kwargs={"pk": inspection.pk}),
        f"{written} of {max(len(bodies), len(STANDARD_ORDER))} sections written",
    )
