"""Reads for one area of a review: its steps and their progress, position statement, focus
groups and meetings."""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet
from django.urls import NoReverseMatch, reverse

from accounts.selectors import assignments_for
from core.models import StoredFile
from core.uploads import stored_files_of
from inspections.models import FieldworkEvent, Population, Reading, Sample, SampleRecord
from qi_framework.models import Response
from throughcare.models import AreaMeeting, PositionStatement, ReviewArea, ThematicReview

__all__ = [
    "STEP_KEYS",
    "AreaProgress",
    "Step",
    "area_co_readers",
    "area_focus_groups",
    "area_meetings",
    "area_progress",
    "population_by_licence_type",
    "position_statement_documents",
    "position_statement_of",
    "review_progress",
    "staff_survey_response_counts",
]

STAFF_SURVEY_CODE = "throughcare-staff-survey"
GREY, BLUE, LIGHT_BLUE, GREEN, YELLOW = (
    "govuk-tag govuk-tag--grey",
    "govuk-tag govuk-tag--blue",
    "govuk-tag govuk-tag--light-blue",
    "govuk-tag govuk-tag--green",
    "govuk-tag govuk-tag--yellow",
)
STEP_KEYS = (
    ("position_statement", "Position statement"),
    ("population", "Population"),
    ("sample", "Sample"),
    ("reading", "Record reading"),
    ("focus_groups", "Focus groups"),
    ("staff_survey", "Staff survey"),
    ("verbal_feedback", "Verbal feedback"),
    ("follow_up", "Follow-up meeting"),
)


@dataclass
class Step:
    key: str
    name: str
    state: str
    tag_class: str
    url: str = ""
    hint: str = ""


@dataclass
class AreaProgress:
    area: ReviewArea
    steps: list[Step] = field(default_factory=list)

    @property
    def by_key(self) -> dict[str, Step]:
        return {step.key: step for step in self.steps}


def position_statement_of(*, area: ReviewArea) -> PositionStatement | None:
    return (
        PositionStatement.objects.filter(area=area)
        .select_related("submitted_by", "reviewed_by")
        .first()
    )


def position_statement_documents(*, statement: PositionStatement | None) -> QuerySet[StoredFile]:
    if statement is None or statement.pk is None:
        return StoredFile.objects.none()
    return stored_files_of(owner=statement).select_related("uploaded_by")


def area_focus_groups(*, area: ReviewArea) -> QuerySet[FieldworkEvent]:
    return FieldworkEvent.objects.filter(
        activity=area.activity, kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP
    ).order_by("date", "start_time")


def population_by_licence_type(*, population: Population) -> list[tuple[str, int]]:
    """Return (licence type label, records) for an area's population, largest first."""
    from django.db.models.fields.json import KT

    from inspections.population_schemas import get_schema

    labels = {
        c.value: c.label for c in get_schema(population.schema).column("licence_type").choices
    }
    rows = (
        population.records.annotate(licence=KT("data__licence_type"))
        .values_list("licence")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return sorted(((labels.get(v, v or "Not recorded"), n) for v, n in rows), key=lambda r: -r[1])


def area_meetings(*, area: ReviewArea) -> QuerySet[AreaMeeting]:
    return AreaMeeting.objects.filter(area=area).select_related("recorded_by")


def area_co_readers(*, area: ReviewArea):
    return assignments_for(target=area.activity).filter(kind="local_co_reader")


def staff_survey_response_counts(*, review: ThematicReview) -> dict[int, int]:
    """Return area id → staff survey responses received through the area's links (one query)."""
    area_type = ContentType.objects.get_for_model(ReviewArea)
    rows = (
        Response.objects.filter(
            link__subject_type=area_type,
            link__subject_id__in=review.areas.values("pk"),
            link__instrument_version__instrument__code=STAFF_SURVEY_CODE,
        )
        .values_list("link__subject_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def _url(name: str, area: ReviewArea) -> str:
    return reverse(f"throughcare:{name}", kwargs={"pk": area.review_id, "area_pk": area.pk})


def optional_url(name: str, **kwargs) -> str:
    """The URL of a page another part of the review provides, or "" if there is none."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def review_progress(*, review: ThematicReview, areas) -> list[AreaProgress]:
    """Return each area's progress through the steps (a fixed number of queries for all areas)."""
    areas = list(areas)
    activity_ids = [a.activity_id for a in areas]
    statements = {s.area_id: s for s in PositionStatement.objects.filter(area__in=areas)}
    populations = dict(
        Population.objects.filter(activity_id__in=activity_ids).values_list(
            "activity_id", "row_count"
        )
    )
    samples = dict(
        Sample.objects.filter(activity_id__in=activity_ids).values_list("activity_id", "size")
    )
    sampled = dict(
        SampleRecord.objects.filter(
            sample__activity_id__in=activity_ids,
            role=SampleRecord.Role.SAMPLED,
            status=SampleRecord.Status.ACTIVE,
        )
        .values_list("sample__activity_id")
        .annotate(n=Count("pk"))
    )
    read = dict(
        Reading.objects.filter(
            sample_record__sample__activity_id__in=activity_ids,
            order=Reading.Order.FIRST,
            status=Reading.Status.SUBMITTED,
            sample_record__role=SampleRecord.Role.SAMPLED,
            sample_record__status=SampleRecord.Status.ACTIVE,
        )
        .values_list("sample_record__sample__activity_id")
        .annotate(n=Count("pk"))
    )
    groups: dict[int, Counter] = {}
    for activity_id, status in FieldworkEvent.objects.filter(
        activity_id__in=activity_ids, kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP
    ).values_list("activity_id", "status"):
        groups.setdefault(activity_id, Counter())[status] += 1
    meetings: dict[tuple[int, str], object] = {}
    for area_id, kind, held_on in AreaMeeting.objects.filter(area__in=areas).values_list(
        "area_id", "kind", "held_on"
    ):
        meetings[(area_id, kind)] = held_on
    responses = staff_survey_response_counts(review=review)

    result = []
    for area in areas:
        steps = []
        statement = statements.get(area.pk)
        if statement is None:
            state, tag = "Not started", GREY
        elif statement.reviewed_at:
            state, tag = "Reviewed", GREEN
        elif statement.submitted_at:
            state, tag = "Submitted", BLUE
        else:
            state, tag = "In progress", LIGHT_BLUE
        steps.append(
            Step(
                "position_statement",
                "Position statement",
                state,
                tag,
                _url("position_statement", area),
            )
        )
        rows = populations.get(area.activity_id)
        steps.append(
            Step(
                "population",
                "Population",
                f"{rows:,} records" if rows is not None else "Not uploaded",
                GREEN if rows is not None else GREY,
                _url("area_population", area),
            )
        )
        size = samples.get(area.activity_id)
        steps.append(
            Step(
                "sample",
                "Sample",
                f"{size:,} records" if size is not None else "Not drawn",
                GREEN if size is not None else GREY,
                _url("area_sample", area),
            )
        )
        total, done = sampled.get(area.activity_id, 0), read.get(area.activity_id, 0)
        if not total:
            state, tag = "Cannot start yet", GREY
        else:
            state = f"{done} of {total} read"
            tag = GREEN if done >= total else (BLUE if done else GREY)
        steps.append(Step("reading", "Record reading", state, tag, _url("area_readings", area)))
        counts = groups.get(area.activity_id, Counter())
        held = counts[FieldworkEvent.Status.COMPLETED]
        planned = sum(counts.values()) - counts[FieldworkEvent.Status.CANCELLED]
        if not planned:
            state, tag = "None planned", GREY
        elif held >= planned:
            state, tag = f"{held} held", GREEN
        else:
            state, tag = f"{held} of {planned} held", BLUE
        steps.append(
            Step("focus_groups", "Focus groups", state, tag, _url("area_focus_groups", area))
        )
        count = responses.get(area.pk, 0)
        population = area.staff_survey_population
        state = f"{count} response{'s' if count != 1 else ''}"
        if population:
            state += f" of {population:,}"
        steps.append(Step("staff_survey", "Staff survey", state, GREEN if count else GREY, ""))
        for kind, key, name in (
            (AreaMeeting.Kind.VERBAL_FEEDBACK, "verbal_feedback", "Verbal feedback"),
            (AreaMeeting.Kind.FOLLOW_UP, "follow_up", "Follow-up meeting"),
        ):
            held_on = meetings.get((area.pk, kind))
            steps.append(
                Step(
                    key,
                    name,
                    f"{held_on:%-d %B %Y}" if held_on else "Not held",
                    GREEN if held_on else GREY,
                    _url("area_meetings", area),
                )
            )
        result.append(AreaProgress(area=area, steps=steps))
    return result


def area_progress(*, area: ReviewArea) -> AreaProgress:
    return review_progress(review=area.review, areas=[area])[0]
