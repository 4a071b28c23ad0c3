"""The inspection report's snapshot: everything its PDF prints, as plain JSON (reads only).

`report_snapshot` freezes the report into one JSON-serialisable dict. A report version stores it
(`ReportVersion.content`) and its PDF is rendered from that alone, so a published PDF never
changes when the live data does. `report_task` is the report's line on the inspection's task
list. The writes (sections, figure tokens) are in `inspections.services.report`.
"""

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from fractions import Fraction

from django.urls import reverse
from django.utils import dateformat, timezone

from core.exceptions import ApplicationError
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
from inspections.services.report import (
    PUBLISHED_OR_LATER,
    SECTION_QIS,
    STANDARD_ORDER,
    K,
    _all_figures,
    _figure_dict,
    _plain_with_figures,
    _section_groups,
    figure_tokens,
    inspection_figures_or_empty,
    report_sections_ensure,
)
from reports.statistics import count_phrase, percentage

__all__ = ["TERMS", "report_snapshot", "report_task"]


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
