"""Demo data: the 2021 throughcare review of breach and recall.

Commissioned in March 2021 by the Recover, Renew, Transform programme's subgroup on the recovery
of community justice and prevention of offending, published in September 2021 (DOMAIN §11). The
review covered four areas, Glasgow among them; the other three are not verified, so the demo
uses Fife, Highland and South Lanarkshire (a spread of size, service model and geography, as
the review chose its areas). Everything else is synthetic: references, answers and notes.

Built with the review services and the shared inspections services (sample draw, reader
assignment), with reading answers filled in generically by question kind from the throughcare
file-reading tool. A review that already exists (same title) is left as it is, so load_demo can
run again without duplicating anything. Surveys and interviews (order 71) and the reports
(order 72) are added by throughcare.demo_surveys and throughcare.demo_outputs, imported below.
"""

import datetime as dt
import importlib
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Role, User
from core.demo import DemoContext, register_demo_step
from inspections import services as inspection_services
from inspections.demo import demo_person, demo_reference_data
from inspections.models import Answer, Population, PopulationRecord, Reading, Sample
from qi_framework.instruments import instrument_evaluate, questions_of, validate_answer
from qi_framework.models import Question
from throughcare import services
from throughcare.models import (
    AreaMeeting,
    PositionStatement,
    RecommendationUpdate,
    ThematicReview,
)
from throughcare.population_schema import licence_group

REVIEW_TITLE = "Throughcare review: breach of licence and recall to custody"
COMMISSIONED_BY = (
    "The Recover, Renew, Transform programme’s subgroup on the recovery of community justice "
    "and prevention of offending"
)
FOCUS = (
    "How well justice social work services supervise people released from prison on statutory "
    "licences, with a focus on breach of licence and recall to custody."
)
STARTS_ON = dt.date(2021, 3, 15)
FIELDWORK = (dt.date(2021, 5, 4), dt.date(2021, 6, 25))
PUBLISHED_ON = dt.date(2021, 9, 30)  # "September 2021": the exact day is not verified


@dataclass(frozen=True)
class DemoArea:
    slug: str
    prefix: str
    population: int
    sample: int
    quality: float  # 0 weak … 1 excellent
    staff_surveyed: int
    co_reader: tuple[str, str]  # name, email


AREAS = (
    DemoArea("glasgow-city", "GC", 240, 40, 0.72, 120, ("Mhairi Baird", "tc-reader-gc@demo.test")),
    DemoArea("fife", "FI", 130, 28, 0.66, 64, ("Stuart Wallace", "tc-reader-fi@demo.test")),
    DemoArea("highland", "HI", 70, 20, 0.6, 38, ("Eilidh Munro", "tc-reader-hi@demo.test")),
    DemoArea(
        "south-lanarkshire", "SL", 150, 30, 0.7, 70, ("Graham Dunlop", "tc-reader-sl@demo.test")
    ),
)
# Licence types as throughcare statistics split them (DOMAIN §6.1): mostly non-parole, parole,
# supervised release orders and extended sentences, with fewer life licences and OLRs.
LICENCE_WEIGHTS = (
    ("non_parole", 27, ("4_to_under_10_years", "10_years_and_over")),
    ("parole", 21, ("4_to_under_10_years", "10_years_and_over")),
    ("sro", 19, ("1_to_under_4_years",)),
    ("extended_sentence", 17, ("1_to_under_4_years", "4_to_under_10_years")),
    ("section_15", 7, ("1_to_under_4_years",)),
    ("life_licence", 6, ("indeterminate",)),
    ("olr", 3, ("indeterminate",)),
)
STATUS_WEIGHTS = (("on_licence", 45), ("ended", 25), ("breached", 12), ("recalled", 18))
TEAMS = {
    "glasgow-city": ("North East", "North West", "South"),
    "fife": ("Dunfermline", "Kirkcaldy", "Glenrothes"),
    "highland": ("Inverness", "Caithness and Sutherland", "Lochaber"),
    "south-lanarkshire": ("Hamilton", "East Kilbride", "Lanark"),
}
STATEMENTS = {
    "strengths": (
        "Strong working relationships with prison-based social work and the Scottish Prison "
        "Service through integrated case management.\n\n"
        "Staff know the people they supervise well and respond quickly to early signs of "
        "non-compliance."
    ),
    "challenges": (
        "Delays in receiving LS/CMI assessments from prison, particularly for people released "
        "from establishments outwith the area.\n\n"
        "Access to suitable accommodation on the day of release."
    ),
    "areas_for_improvement": (
        "Consistent use of the review template, and recording the reasons for decisions to breach."
    ),
}
FEEDBACK_POINTS = (
    "Records showed that most people had a risk management plan, and pre-release planning was "
    "a strength for accommodation and health.\n\n"
    "Assessments shared from prison were often late, delaying the case management plan. "
    "Reviews were held but not always recorded on the template."
)
FOLLOW_UP_POINTS = (
    "The service has added throughcare to its improvement plan: a joint protocol with the "
    "prison on sharing assessments, and refresher training on reviews."
)
RECOMMENDATIONS = (
    (
        "The Scottish Government, Social Work Scotland and the Care Inspectorate should develop "
        "a learning and development pathway for staff working in throughcare, including "
        "preparation for parole oral hearings.",
        "Social Work Scotland",
        ("7.1", "3.1"),
        "in_progress",
        "A working group has met twice and drafted the pathway's scope.",
    ),
    (
        "The Scottish Prison Service and local authorities should improve the LS/CMI process so "
        "that assessments are shared with community-based social work before release.",
        "Scottish Prison Service",
        ("5.1", "6.1"),
        "in_progress",
        "A shared protocol is being tested in two prisons.",
    ),
    (
        "National partners should remove the systemic barriers to securing accommodation, "
        "income and health care on the day of release.",
        "Scottish Government",
        ("2.1", "5.3"),
        "open",
        "",
    ),
    (
        "The Parole Board for Scotland and Social Work Scotland should review how social "
        "workers are supported before, during and after oral hearings.",
        "Parole Board for Scotland",
        ("3.1",),
        "complete",
        "Guidance for social workers attending oral hearings was published.",
    ),
)
TEXT_ANSWERS = (
    "Earlier contact with the housing team before release might have prevented the breach.",
    "Supervision was robust and the recall was swift and proportionate.",
    "The case management plan was not updated after the change of address.",
    "",
)


def demo_review() -> ThematicReview | None:
    """Return the demo's throughcare review (for the later demo steps), if it exists."""
    return ThematicReview.objects.filter(title=REVIEW_TITLE).first()


@register_demo_step(order=70)
def demo_throughcare_review(context: DemoContext) -> None:
    """Add the 2021 throughcare review with its four areas, built once from fixed seeds."""
    demo_reference_data(instrument_code="throughcare-file-reading")
    contact = demo_person(
        "throughcare_contact",
        "Rhona Fraser",
        "tc-contact@demo.test",
        "glasgow-city",
        Role.AUTHORITY_CONTACT,
        context,
        note="Glasgow City contact in the throughcare review: sees Glasgow’s area only",
    )
    for area in AREAS:
        name, email = area.co_reader
        authority = Organisation.objects.get(slug=area.slug).name
        demo_person(
            f"tc-reader:{area.slug}",
            name,
            email,
            area.slug,
            Role.PRACTITIONER,
            context,
            note=f"Local co-reader in the throughcare review: reads {authority} records only",
        )
    if demo_review() is not None:
        return
    with transaction.atomic():
        _build(context, contact)


def _build(context: DemoContext, contact: User) -> None:
    lead = context.people["inspector2"]
    inspector = context.people["inspector"]
    review = services.review_create(
        title=REVIEW_TITLE,
        commissioned_by=COMMISSIONED_BY,
        focus=FOCUS,
        starts_on=STARTS_ON,
        fieldwork_start=FIELDWORK[0],
        fieldwork_end=FIELDWORK[1],
        target_publication=PUBLISHED_ON,
        lead=lead,
        by=lead,
    )
    services.review_team_assign(review=review, user=inspector, kind="review_inspector", by=lead)
    services.review_transition(review=review, to=ThematicReview.Status.FIELDWORK, by=lead)
    version = review.reading_instrument
    for spec in AREAS:
        rng = random.Random(f"demo-throughcare:{spec.slug}")
        area = services.review_area_add(
            review=review, authority=Organisation.objects.get(slug=spec.slug), by=lead
        )
        co_reader = context.people[f"tc-reader:{spec.slug}"]
        services.area_co_reader_assign(area=area, user=co_reader, by=lead)
        services.area_staff_survey_population_set(
            area=area, population=spec.staff_surveyed, by=lead
        )
        if spec.slug == "glasgow-city":
            services.position_statement_save(area=area, by=contact, **STATEMENTS)
            services.position_statement_submit(area=area, by=contact)
        else:
            services.position_statement_save(area=area, by=None, **STATEMENTS)
            services.position_statement_submit(area=area, by=None)
        services.position_statement_review(
            area=area, notes="Read before fieldwork; themes taken into the focus groups.", by=lead
        )
        PositionStatement.objects.filter(area=area).update(
            submitted_at=_at(dt.date(2021, 4, 23) + dt.timedelta(days=rng.randint(0, 5))),
            reviewed_at=_at(dt.date(2021, 4, 30)),
        )
        _population(spec, area, rng)
        sample = inspection_services.sample_draw(
            activity=area.activity,
            stratify_by="licence_type",
            minimum_per_stratum=2,
            override_size=spec.sample,
            seed=f"throughcare-2021-{spec.slug}",
            by=lead,
        )
        Sample.objects.filter(pk=sample.pk).update(created_at=_at(FIELDWORK[0]))
        inspection_services.double_reading_select(sample=sample, share_percent=10, by=lead)
        inspection_services.readers_assign_evenly(
            sample=sample, readers=[lead, inspector, co_reader], by=lead
        )
        if version is not None:
            _readings(spec, sample, version, rng)
        for day, status in ((FIELDWORK[0] + dt.timedelta(days=21), "completed"),) * 2:
            services.area_focus_group_create(
                area=area,
                by=lead,
                date=day + dt.timedelta(days=rng.randint(0, 6)),
                start_time=dt.time(10, 0),
                end_time=dt.time(11, 30),
                status=status,
                notes="Virtual focus group with throughcare staff and team leaders.",
            )
        feedback_day = FIELDWORK[1] + dt.timedelta(days=14 + rng.randint(0, 10))
        services.area_meeting_create(
            area=area,
            kind=AreaMeeting.Kind.VERBAL_FEEDBACK,
            held_on=feedback_day,
            attendees="Head of justice services, throughcare team leaders",
            points=FEEDBACK_POINTS,
            by=lead,
        )
        services.area_meeting_create(
            area=area,
            kind=AreaMeeting.Kind.FOLLOW_UP,
            held_on=PUBLISHED_ON + dt.timedelta(days=42 + rng.randint(0, 14)),
            attendees="Head of justice services, service manager",
            points=FOLLOW_UP_POINTS,
            by=lead,
        )
    qis = {qi.code: qi for qi in review.quality_indicators.all()}
    created = []
    for text, owner, codes, status, update in RECOMMENDATIONS:
        recommendation = services.recommendation_create(
            review=review,
            text=text,
            owner=owner,
            quality_indicators=[qis[c] for c in codes if c in qis],
            by=lead,
        )
        created.append((recommendation, status, update))
    for to in ("analysis", "reporting", "published", "follow_up"):
        services.review_transition(review=review, to=to, by=lead)
    ThematicReview.objects.filter(pk=review.pk).update(published_on=PUBLISHED_ON)
    review.refresh_from_db()
    for recommendation, status, update in created:
        if update:
            tracked = services.recommendation_track(
                recommendation=recommendation, status=status, text=update, by=lead
            )
            RecommendationUpdate.objects.filter(pk=tracked.pk).update(
                recorded_at=_at(dt.date(2022, 3, 15))
            )
    services.subgroup_feedback_record(
        review=review,
        held_on=PUBLISHED_ON - dt.timedelta(days=21),
        attendees="RRT subgroup members",
        points="Findings and the draft recommendations were presented to the subgroup, which "
        "welcomed the focus on removing systemic barriers on release.",
        by=lead,
    )


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _pick(rng: random.Random, weighted):
    total = sum(w for _, w, *_ in weighted)
    point = rng.uniform(0, total)
    for item in weighted:
        point -= item[1]
        if point <= 0:
            return item
    return weighted[-1]


def _population(spec: DemoArea, area, rng: random.Random) -> Population:
    population = Population.objects.create(
        activity=area.activity, schema="throughcare", row_count=spec.population
    )
    rows = []
    for i in range(spec.population):
        licence, _, bands = _pick(rng, LICENCE_WEIGHTS)
        status = _pick(rng, STATUS_WEIGHTS)[0]
        data = {
            "licence_type": licence,
            "release_date": (
                dt.date(2019, 4, 1) + dt.timedelta(days=rng.randint(0, 640))
            ).isoformat(),
            "sentence_length_band": rng.choice(bands),
            "status": status,
            "age_band": rng.choice(("21_to_25", "26_to_40", "26_to_40", "41_and_over")),
            "sex": "female" if rng.random() < 0.08 else "male",
            "team": rng.choice(TEAMS[spec.slug]),
        }
        data["licence_group"] = licence_group(licence)
        rows.append(
            PopulationRecord(
                population=population,
                reference=f"{spec.prefix}-TC-{i + 1:04d}",
                row_number=i + 2,
                data=data,
            )
        )
    PopulationRecord.objects.bulk_create(rows)
    return population


def _answer(question: Question, rng: random.Random, quality: float, data: dict) -> Any:
    """A plausible answer by question kind, better records being likelier to get good ones."""
    code = question.code
    if question.kind == Question.Kind.YES_NO_NA:
        good = quality
        if code in {"could_have_avoided", "non_compliance"}:
            good = 1 - quality if code == "could_have_avoided" else 0.5
        if code == "non_compliance" and data.get("status") in {"breached", "recalled"}:
            return "yes"
        if code in {"breach_report", "recalled"} and data.get("status") == "recalled":
            return "yes"
        return "yes" if rng.random() < good else ("no" if rng.random() < 0.85 else "na")
    if question.kind == Question.Kind.RATING_6:
        base = 2 + quality * 3.2 + rng.uniform(-1.3, 1.3)
        return str(max(1, min(6, round(base))))
    if question.kind in Question.CHOICE_KINDS:
        values = [o["value"] for o in question.options]
        if not values:
            return None
        if question.kind == Question.Kind.MULTIPLE_CHOICE:
            return rng.sample(values, k=min(len(values), rng.randint(1, 2)))
        return rng.choice(values)
    if question.kind == Question.Kind.TEXT:
        return rng.choice(TEXT_ANSWERS)
    if question.kind == Question.Kind.NUMBER:
        low = int(question.min_value or 0)
        high = int(question.max_value or low + 10)
        return str(rng.randint(low, high))
    if question.kind == Question.Kind.DATE:
        released = data.get("release_date")
        return released if released else None
    return None


def _evaluate(version, raw: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """Return the answers that are shown (parsed), plus derived values."""
    questions = {q.code: q for q in questions_of(version)}
    parsed = {}
    for code, value in raw.items():
        if value in (None, "", []):
            continue
        check = validate_answer(questions[code], value)
        if check.error is None and check.value is not None:
            parsed[code] = check.value
    evaluation = instrument_evaluate(version, parsed, context)
    return {
        q.code: evaluation.values[q.code]
        for q in evaluation.visible
        if evaluation.values.get(q.code) not in (None, "", [])
    }


def _readings(spec: DemoArea, sample: Sample, version, rng: random.Random) -> None:
    """Fill in the readings: most submitted, some part-way, a few not started. A second
    reading mostly agrees with the first, differing on a rating or two."""
    from qi_framework.derivations import CONTEXT_KEYS

    questions = {q.code: q for q in questions_of(version)}
    typed = [q for q in questions.values() if not q.is_derived]
    readings = list(
        Reading.objects.filter(sample_record__sample=sample)
        .select_related("sample_record__record")
        .order_by("order", "sample_record__stratum", "sample_record__rank")
    )
    firsts = [r for r in readings if r.order == Reading.Order.FIRST]
    when = timezone.make_aware(dt.datetime.combine(FIELDWORK[1], dt.time(16, 0)))
    rows, submitted = [], []
    first_raw: dict[int, dict[str, Any]] = {}
    for reading in readings:
        data = reading.sample_record.record.data
        context = {k: data[k] for k in CONTEXT_KEYS if data.get(k) not in (None, "")}
        if reading.order == Reading.Order.FIRST:
            share = firsts.index(reading) / max(len(firsts), 1)
            if share >= 0.95:
                continue  # not started
            quality = max(0.05, min(0.95, spec.quality + rng.uniform(-0.2, 0.2)))
            raw = {q.code: _answer(q, rng, quality, data) for q in typed}
            first_raw[reading.sample_record_id] = raw
            part_way = share >= 0.85
        else:
            raw = dict(first_raw.get(reading.sample_record_id) or {})
            if not raw:
                continue
            ratings = [c for c, v in raw.items() if questions[c].kind == "rating_6" and v]
            for code in rng.sample(ratings, k=min(len(ratings), rng.randint(0, 2))):
                raw[code] = str(max(1, min(6, int(raw[code]) + rng.choice((-1, 1)))))
            part_way = False
        values = _evaluate(version, raw, context)
        if part_way:
            keep = [c for c in values if not questions[c].is_derived][: len(values) // 2]
            values = _evaluate(version, {c: values[c] for c in keep}, context)
        else:
            submitted.append(reading.pk)
        for code, value in values.items():
            row = Answer(reading=reading, version=1, updated_by_id=reading.reader_id)
            row.set_value(questions[code], value)
            rows.append(row)
    Answer.objects.bulk_create(rows, batch_size=2000)
    Reading.objects.filter(pk__in=submitted).update(
        status=Reading.Status.SUBMITTED, submitted_at=when
    )
    Sample.objects.filter(pk=sample.pk).update(locked_at=when)


# The later steps of the same review, each in its own module (order 71 and 72).
for _module in ("throughcare.demo_surveys", "throughcare.demo_outputs"):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as error:  # not written yet
        if error.name != _module:
            raise
