"""Demo data: the five CPO inspections of 2018–2020 named in the overview report.

Scottish Borders, West Dunbartonshire, Inverclyde, Dumfries and Galloway and Aberdeen City, with
their timetables, populations (3,419 orders in all), samples (489 records), readings at various
stages, double readings with some disagreements, moderated answers, interviews (210 people) and
focus groups. Everything is synthetic and pseudonymised: references, pseudonyms and notes are
made up. Each inspection has its own fixed seed, so the data is the same on every run; an
inspection that already exists (same authority and title) is left as it is, so load_demo can
run again without duplicating anything.

Built directly from the models and the pure modules (inspections.sampling, the questionnaire
engine), as the services of the areas it covers were being written at the same time.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accounts.models import Membership, Organisation, Role, User
from accounts.services import assignment_create
from core.calendar import WorkingDayCalendar, calendar_for
from core.demo import DEMO_PASSWORD, DemoContext, DemoLogin, register_demo_step
from inspections import sampling
from inspections.models import (
    Answer,
    FieldworkEvent,
    Inspection,
    InspectionQI,
    Interview,
    InterviewAnswer,
    ModeratedAnswer,
    Population,
    PopulationRecord,
    Reading,
    Sample,
    SampleRecord,
    ScrutinyActivity,
)
from qi_framework.instruments import (
    instrument_evaluate,
    instrument_version_current,
    questions_of,
    validate_answer,
)
from qi_framework.models import InstrumentVersion, Question, ScrutinyKind

E = FieldworkEvent.Kind
S = FieldworkEvent.Status
SCHEMA_CODE = {"mental_health_treatment": "mental_health"}  # sampling's short code


@dataclass(frozen=True)
class DemoInspection:
    slug: str
    prefix: str
    governance: str
    status: str
    lead: str  # key of a demo person
    population: int
    sample: int
    interviews: int
    declined: int
    quality: float  # 0 weak … 1 excellent: how good the records read are
    lscmi_late: float  # share of LS/CMI assessments after 20 working days
    read_share: float  # share of first readings submitted
    started_share: float  # share of first readings begun but not submitted
    moderated: bool
    notice: dt.date
    self_evaluation_due: dt.date
    fieldwork_start: dt.date
    fieldwork_end: dt.date
    feedback: dt.date | None
    publication: dt.date
    teams: tuple[str, ...]


# Governance: the seed says three of the five services were led by IJBs and two sat within the
# council. Which ones is not stated; the choice here is plausible, not a fact.
INSPECTIONS = [
    DemoInspection(
        slug="scottish-borders",
        prefix="SB",
        governance=Inspection.Governance.COUNCIL,
        status=Inspection.Status.REPORTING,
        lead="inspector2",
        population=560,
        sample=96,
        interviews=32,
        declined=2,
        quality=0.72,
        lscmi_late=0.2,
        read_share=1.0,
        started_share=0.0,
        moderated=True,
        notice=dt.date(2018, 8, 20),
        self_evaluation_due=dt.date(2018, 10, 8),
        fieldwork_start=dt.date(2018, 11, 5),
        fieldwork_end=dt.date(2019, 1, 25),
        feedback=dt.date(2019, 2, 14),
        publication=dt.date(2019, 4, 23),
        teams=("Galashiels", "Hawick", "Kelso", "Peebles"),
    ),
    DemoInspection(
        slug="west-dunbartonshire",
        prefix="WD",
        governance=Inspection.Governance.IJB,
        status=Inspection.Status.REPORTING,
        lead="inspector",
        population=683,
        sample=99,
        interviews=28,
        declined=1,
        quality=0.3,
        lscmi_late=0.55,
        read_share=1.0,
        started_share=0.0,
        moderated=True,
        notice=dt.date(2018, 11, 12),
        self_evaluation_due=dt.date(2019, 1, 7),
        fieldwork_start=dt.date(2019, 2, 4),
        fieldwork_end=dt.date(2019, 3, 29),
        feedback=dt.date(2019, 4, 25),
        publication=dt.date(2019, 8, 8),
        teams=("Clydebank", "Dumbarton", "Alexandria"),
    ),
    DemoInspection(
        slug="inverclyde",
        prefix="IC",
        governance=Inspection.Governance.IJB,
        status=Inspection.Status.FIELDWORK,
        lead="inspector",
        population=512,
        sample=95,
        interviews=44,
        declined=2,
        quality=0.62,
        lscmi_late=0.25,
        read_share=0.6,
        started_share=0.0,
        moderated=False,
        notice=dt.date(2019, 4, 15),
        self_evaluation_due=dt.date(2019, 6, 3),
        fieldwork_start=dt.date(2019, 7, 1),
        fieldwork_end=dt.date(2019, 8, 30),
        feedback=None,
        publication=dt.date(2019, 12, 10),
        teams=("Greenock", "Port Glasgow", "Gourock"),
    ),
    DemoInspection(
        slug="dumfries-and-galloway",
        prefix="DG",
        governance=Inspection.Governance.COUNCIL,
        status=Inspection.Status.FIELDWORK,
        lead="inspector2",
        population=844,
        sample=100,
        interviews=56,
        declined=1,
        quality=0.66,
        lscmi_late=0.2,
        read_share=0.0,
        started_share=0.2,
        moderated=False,
        notice=dt.date(2019, 8, 5),
        self_evaluation_due=dt.date(2019, 9, 30),
        fieldwork_start=dt.date(2019, 11, 4),
        fieldwork_end=dt.date(2019, 12, 13),
        feedback=None,
        publication=dt.date(2020, 4, 30),
        teams=("Dumfries", "Stranraer", "Annan", "Castle Douglas"),
    ),
    DemoInspection(
        slug="aberdeen-city",
        prefix="AC",
        governance=Inspection.Governance.IJB,
        status=Inspection.Status.FIELDWORK,
        lead="inspector2",
        population=820,
        sample=99,
        interviews=50,
        declined=2,
        quality=0.78,
        lscmi_late=0.15,
        read_share=0.0,
        started_share=0.0,
        moderated=False,
        notice=dt.date(2019, 8, 26),
        self_evaluation_due=dt.date(2019, 10, 21),
        fieldwork_start=dt.date(2019, 11, 25),
        fieldwork_end=dt.date(2020, 3, 13),
        feedback=None,
        publication=dt.date(2021, 2, 25),
        teams=("North", "South", "Central"),
    ),
]

# People the inspections need besides accounts.demo's: an associate assessor from another
# authority and a local co-reader in each inspected authority.
ASSOCIATE = ("associate", "Roslyn Baird", "associate@demo.test", "renfrewshire")
ASSOCIATE_ON = {"west-dunbartonshire", "inverclyde"}
CO_READERS = {
    "scottish-borders": ("Gregor Elliot", "coreader-sb@demo.test"),
    "west-dunbartonshire": ("Shona McGinley", "coreader@demo.test"),
    "inverclyde": ("Martin Docherty", "coreader-ic@demo.test"),
    "dumfries-and-galloway": ("Kirsty Maxwell", "coreader-dg@demo.test"),
    "aberdeen-city": ("Euan Milne", "coreader-ac@demo.test"),
}

DEMO_INTERVIEW_TEXTS = {
    "helped_detail": [
        "Worker listened and helped sort out housing benefit.",
        "The placement at the community garden gave some structure to the week.",
        "Being referred to the alcohol service early on.",
        "Same worker all the way through, did not have to repeat the story.",
        "Help with a CV and a college application.",
        "Group work helped to think about what led to the offence.",
    ],
    "barriers": [
        "Bus fares to the placement.",
        "Shift work made appointments hard to keep.",
        "Childcare on placement days.",
        "Health problems; appointments were moved to fit.",
        "",
        "",
    ],
    "anything_else": ["", "", "", "Would like more evening placements.", "Staff were fair."],
}
OUTCOME_NOTES = [
    "Better sleep, fewer arguments at home.",
    "Found part-time work during the order.",
    "Still drinking but engaging with the alcohol service.",
    "Moved into a settled tenancy.",
    "",
]
MODERATION_REASON = "Discussed at moderation: the record supports the first reader's answer."


def demo_person(key, name, email, slug, role, context: DemoContext, note: str = "") -> User:
    """Make (or reactivate, with the demo password) a demo person with that role, and list
    their login; the throughcare demo uses it too."""
    organisation = Organisation.objects.get(slug=slug)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, name=name, password=DEMO_PASSWORD)
    else:
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
    Membership.objects.update_or_create(
        user=user, organisation=organisation, role=role, defaults={"is_active": True}
    )
    context.people[key] = user
    context.logins.append(
        DemoLogin(
            role=Role(role).label,
            name=name,
            email=email,
            organisation=organisation.name,
            notes=[note] if note else [],
        )
    )
    return user


def demo_reference_data(*, instrument_code: str = "cpo-interview") -> None:
    """Load the framework, instruments and holidays if a fresh database lacks them (the
    instruments unless `instrument_code`, the one the caller's demo needs, is published)."""
    from core.calendar import public_holidays_load
    from core.models import PublicHoliday
    from qi_framework.instruments import instruments_load_all
    from qi_framework.selectors import framework_current
    from qi_framework.services import framework_load

    if framework_current() is None:
        framework_load()
    if not InstrumentVersion.objects.filter(
        instrument__code=instrument_code, status=InstrumentVersion.Status.PUBLISHED
    ).exists():
        instruments_load_all()
    if not PublicHoliday.objects.exists():
        public_holidays_load()


@register_demo_step(order=30)
def demo_inspections(context: DemoContext) -> None:
    """Add the five CPO inspections of 2018–2020, each built once from its own seed."""
    demo_reference_data()
    demo_person(
        *ASSOCIATE,
        Role.PRACTITIONER,
        context,
        note="Associate assessor on two inspections (West Dunbartonshire, Inverclyde)",
    )
    for slug, (name, email) in CO_READERS.items():
        authority = Organisation.objects.get(slug=slug).name
        demo_person(
            f"coreader:{slug}",
            name,
            email,
            slug,
            Role.PRACTITIONER,
            context,
            note=f"Local co-reader: reads records of the {authority} inspection only",
        )
    calendar = calendar_for()
    for spec in INSPECTIONS:
        _build(spec, context, calendar)


def _build(spec: DemoInspection, context: DemoContext, calendar: WorkingDayCalendar) -> None:
    from qi_framework.selectors import framework_current, scope_for

    authority = Organisation.objects.get(slug=spec.slug)
    title = f"Inspection of justice social work services in {authority.name}"
    if Inspection.objects.filter(
        title=title,
        activity__authority=authority,
        activity__scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
    ).exists():
        return
    rng = random.Random(f"demo-inspection:{spec.slug}")
    framework = framework_current()
    reading_tool = instrument_version_current(code="cpo-file-reading")
    schedule = instrument_version_current(code="cpo-interview")
    lead = context.people[spec.lead]
    activity = ScrutinyActivity.objects.create(
        title=title,
        scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
        authority=authority,
        framework=framework,
        population_schema="cpo",
        reading_instrument=reading_tool,
        interview_instrument=schedule,
    )
    period_end = spec.fieldwork_start - dt.timedelta(days=1)
    period_start = period_end.replace(year=period_end.year - 2) + dt.timedelta(days=1)
    inspection = Inspection.objects.create(
        activity=activity,
        title=title,
        status=spec.status,
        governance=spec.governance,
        period_start=period_start,
        period_end=period_end,
        notice_date=spec.notice,
        self_evaluation_due=spec.self_evaluation_due,
        fieldwork_start=spec.fieldwork_start,
        fieldwork_end=spec.fieldwork_end,
        feedback_date=spec.feedback,
        target_publication=spec.publication,
        created_by=lead,
    )
    InspectionQI.objects.bulk_create(
        InspectionQI(
            inspection=inspection, quality_indicator=e.quality_indicator, evaluated=e.evaluated
        )
        for e in scope_for(framework=framework, scrutiny_kind=ScrutinyKind.CPO_INSPECTION)
    )

    # The team.
    other = context.people["inspector" if spec.lead == "inspector2" else "inspector2"]
    assignment_create(user=lead, kind="lead_inspector", target=activity)
    assignment_create(user=other, kind="inspector", target=activity)
    readers = [lead, other]
    if spec.slug in ASSOCIATE_ON:
        associate = context.people["associate"]
        assignment_create(user=associate, kind="associate_assessor", target=activity)
        readers.append(associate)
    co_reader = context.people[f"coreader:{spec.slug}"]
    assignment_create(user=co_reader, kind="local_co_reader", target=activity)
    readers.append(co_reader)
    if spec.slug == "west-dunbartonshire":
        assignment_create(
            user=context.people["local_coordinator"], kind="local_coordinator", target=activity
        )

    events = _timetable(spec, activity, lead, rng)
    population = _population(spec, activity, period_start, period_end, lead, rng)
    sample = _sample(spec, activity, population, lead)
    _readings(spec, inspection, sample, readers, lead, reading_tool, calendar, rng)
    _interviews(spec, activity, schedule, events, readers, rng)


# --- Timetable --------------------------------------------------------------------------------


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _timetable(spec, activity, lead, rng) -> list[FieldworkEvent]:
    """Reading sessions, interview days and focus groups across the fieldwork weeks."""
    start, end = spec.fieldwork_start, spec.fieldwork_end
    span = (end - start).days
    done = spec.status == Inspection.Status.REPORTING
    plan = [
        (E.READING_SESSION, 0.0, ["inspectors", "associate_assessors", "local_co_readers"]),
        (E.READING_SESSION, 0.08, ["inspectors", "associate_assessors", "local_co_readers"]),
        (E.READING_SESSION, 0.16, ["inspectors", "local_co_readers"]),
        (E.PEOPLE_ON_ORDERS, 0.45, ["inspectors", "people_on_orders"]),
        (E.PEOPLE_ON_ORDERS, 0.52, ["inspectors", "associate_assessors", "people_on_orders"]),
        (E.PEOPLE_ON_ORDERS, 0.6, ["inspectors", "people_on_orders"]),
        (E.STAFF_FOCUS_GROUP, 0.62, ["inspectors", "justice_staff"]),
        (E.STAFF_FOCUS_GROUP, 0.66, ["inspectors", "team_leaders"]),
        (E.PARTNER_AGENCIES, 0.72, ["inspectors", "partner_agencies"]),
        (E.SENIOR_MANAGERS, 0.8, ["inspectors", "senior_managers"]),
        (E.CHIEF_OFFICERS, 0.9, ["inspectors", "chief_officers"]),
        (E.ELECTED_MEMBERS, 0.95, ["inspectors", "elected_members"]),
    ]
    participants = {
        E.STAFF_FOCUS_GROUP: lambda: {"justice_staff": rng.randint(5, 10)},
        E.PARTNER_AGENCIES: lambda: {"partner_agencies": rng.randint(4, 9)},
        E.SENIOR_MANAGERS: lambda: {"senior_managers": rng.randint(3, 6)},
        E.CHIEF_OFFICERS: lambda: {"chief_officers": rng.randint(2, 4)},
        E.ELECTED_MEMBERS: lambda: {"elected_members": rng.randint(2, 5)},
    }
    notes = {
        E.STAFF_FOCUS_GROUP: "Staff described good peer support and rising caseloads.",
        E.PARTNER_AGENCIES: "Partners valued joint work on housing; referral routes unclear.",
        E.SENIOR_MANAGERS: "Managers aware of gaps in review practice; improvement plan drafted.",
        E.CHIEF_OFFICERS: "Chief officers committed to the presumption against short sentences.",
        E.ELECTED_MEMBERS: "Members received quarterly performance reports.",
    }
    events = []
    for index, (kind, at, attendees) in enumerate(plan):
        date = _weekday_on_or_after(start + dt.timedelta(days=round(span * at)), 1 + index % 3)
        date = min(date, end)
        # Inspections still in fieldwork have held their interview days but not every meeting.
        held = done or at <= 0.62
        status = S.COMPLETED if held else (S.AGREED if index % 4 else S.PROPOSED)
        recorded = status == S.COMPLETED and kind in participants
        events.append(
            FieldworkEvent(
                activity=activity,
                kind=kind,
                date=date,
                start_time=dt.time(9, 30) if index % 2 else dt.time(13, 30),
                end_time=dt.time(12, 30) if index % 2 else dt.time(16, 0),
                is_remote=kind == E.CHIEF_OFFICERS,
                place=""
                if kind == E.CHIEF_OFFICERS
                else f"{spec.teams[index % len(spec.teams)]} office",
                attendees=attendees,
                participants=participants[kind]() if recorded else {},
                status=status,
                notes=notes.get(kind, "") if recorded else "",
                created_by=lead,
            )
        )
    return FieldworkEvent.objects.bulk_create(events)


# --- Population and sample ----------------------------------------------------------------------

REQUIREMENT_MIX = [
    (["supervision", "unpaid_work"], 22),
    (["supervision"], 20),
    (["supervision", "programme"], 4),
    (["supervision", "alcohol_treatment"], 3),
    (["supervision", "drug_treatment"], 2),
    (["supervision", "conduct"], 2),
    (["unpaid_work"], 47),
]
AGE_BANDS = [
    ("18_to_20", 10),
    ("21_to_25", 19),
    ("26_to_40", 45),
    ("41_and_over", 24),
    ("under_18", 2),
]
SEXES = [("male", 84), ("female", 15), ("not_recorded", 1)]


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _record_data(spec, rng, period_start, period_end) -> dict[str, Any]:
    order_date = period_start + dt.timedelta(
        days=rng.randrange((period_end - period_start).days - 30)
    )
    requirements = list(_pick(rng, REQUIREMENT_MIX))
    data: dict[str, Any] = {"order_date": order_date.isoformat(), "requirements": requirements}
    months = 0
    if "unpaid_work" in requirements:
        hours = rng.choice([40, 60, 80, 100, 100, 120, 150, 180, 200, 240, 300])
        data["unpaid_work_hours"] = hours
        data["unpaid_work_level"] = "level_1" if hours <= 100 else "level_2"
        months = 6 if hours <= 100 else 12
    if "supervision" in requirements:
        data["supervision_months"] = rng.choice([6, 9, 12, 12, 12, 18, 18, 24, 36])
        months = max(months, data["supervision_months"])
    end_date = order_date + dt.timedelta(days=round(months * 30.4))
    roll = rng.random()
    if roll < 0.08:
        status = "breached"
        end_date = order_date + dt.timedelta(
            days=rng.randint(60, max(61, (end_date - order_date).days))
        )
    elif roll < 0.1:
        status = "revoked"
        end_date = order_date + dt.timedelta(days=rng.randint(30, 200))
    else:
        status = "completed" if end_date < spec.fieldwork_start else "current"
    data.update(
        end_date=end_date.isoformat(),
        status=status,
        sex=_pick(rng, SEXES),
        age_band=_pick(rng, AGE_BANDS),
        team=rng.choice(spec.teams),
    )
    data["order_type"] = sampling.stratum_for_order_type(
        SCHEMA_CODE.get(r, r) for r in requirements
    )
    return data


def _population(spec, activity, period_start, period_end, lead, rng) -> Population:
    population = Population.objects.create(
        activity=activity, schema="cpo", row_count=spec.population, uploaded_by=lead
    )
    numbers = rng.sample(range(10_000, 100_000), spec.population)
    PopulationRecord.objects.bulk_create(
        PopulationRecord(
            population=population,
            reference=f"{spec.prefix}-{number}",
            row_number=row + 2,
            data=_record_data(spec, rng, period_start, period_end),
        )
        for row, number in enumerate(numbers)
    )
    return population


def _sample(spec, activity, population, lead) -> Sample:
    """Draw the sample with the product's pure sampling functions, by order type."""
    records = list(population.records.all())
    by_stratum: dict[str, list[str]] = {}
    for record in records:
        by_stratum.setdefault(record.data["order_type"], []).append(record.reference)
    calculation = sampling.sample_size(population=len(records))
    allocation = sampling.allocate(
        strata={s: len(refs) for s, refs in by_stratum.items()}, total=spec.sample, minimum=5
    )
    seed = f"demo-{spec.slug}-2018-2020"
    reserve = max(5, math.ceil(spec.sample / len(by_stratum) / 2))
    drawn = sampling.draw(
        references_by_stratum=by_stratum,
        allocation=dict(allocation),
        seed=seed,
        reserve_per_stratum=reserve,
    )
    sample = Sample.objects.create(
        activity=activity,
        seed=seed,
        algorithm_version=drawn.algorithm_version,
        stratify_by="order_type",
        minimum_per_stratum=5,
        calculated_size=calculation.size,
        override_size=spec.sample,
        size=allocation.total,
        # The shape the sample service stores and the sample page reads.
        allocation={
            s: {"population": len(refs), "allocated": allocation[s]}
            for s, refs in by_stratum.items()
        },
        working=[
            *calculation.working,
            f"Sample size set to {spec.sample} by the lead inspector.",
            *allocation.notes,
        ],
        drawn_by=lead,
    )
    ids = {record.reference: record.pk for record in records}
    double_seed = f"{seed}:double"
    ranked = sorted(drawn.references, key=lambda ref: sampling.rank_key(double_seed, ref))
    double = set(ranked[: math.ceil(len(ranked) / 10)])
    rows = [
        SampleRecord(
            sample=sample,
            record_id=ids[item.reference],
            stratum=item.stratum,
            rank=item.rank,
            role=SampleRecord.Role.SAMPLED,
            double_read=item.reference in double,
        )
        for item in drawn.sample
    ]
    for stratum, refs in drawn.reserve.items():
        allocated = allocation[stratum]
        rows += [
            SampleRecord(
                sample=sample,
                record_id=ids[ref],
                stratum=stratum,
                rank=allocated + i,
                role=SampleRecord.Role.RESERVE,
            )
            for i, ref in enumerate(refs, start=1)
        ]
    SampleRecord.objects.bulk_create(rows)
    return sample


# --- Readings -----------------------------------------------------------------------------------

GOOD = {6: 8, 5: 30, 4: 40, 3: 15, 2: 5, 1: 2}
# The seed: of 390 court reports most were good or better and fewer than five weak; of 213
# LS/CMI assessments fewer than ten were weak (timeliness, not quality, was the problem).
REPORTS = {6: 10, 5: 36, 4: 38, 3: 15, 2: 0.8, 1: 0.2}
ASSESSMENTS = {6: 6, 5: 30, 4: 40, 3: 20, 2: 3.5, 1: 0.5}
WEAK = {6: 1, 5: 10, 4: 29, 3: 35, 2: 20, 1: 5}


class AnswerMaker:
    """Plausible answers to the reading tool for one authority, from a seeded generator."""

    def __init__(self, spec: DemoInspection, rng: random.Random, calendar: WorkingDayCalendar):
        self.q = spec.quality
        self.late = spec.lscmi_late
        self.rng = rng
        self.calendar = calendar

    def yes(self, p: float, *, spread: float = 0.3) -> str:
        chance = min(0.98, max(0.02, p + (self.q - 0.5) * spread))
        return "yes" if self.rng.random() < chance else "no"

    def rating(self, profile: dict[int, float] | None = None) -> int:
        if profile is None:
            weights = [GOOD[r] * self.q + WEAK[r] * (1 - self.q) for r in range(6, 0, -1)]
        else:
            weights = [profile[r] for r in range(6, 0, -1)]
        return self.rng.choices(range(6, 0, -1), weights=weights)[0]

    def after(self, start: dt.date, low: int, high: int) -> dt.date:
        return self.calendar.add_working_days(start, self.rng.randint(low, high))

    def answers(self, data: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        order = dt.date.fromisoformat(data["order_date"])
        lscmi_days = rng.randint(21, 45) if rng.random() < self.late else rng.randint(6, 20)
        lscmi_date = self.calendar.add_working_days(order, lscmi_days)
        needed = rng.sample(
            ["substance_use", "mental_health", "programme", "employment_learning", "accommodation"],
            rng.choice([0, 1, 1, 2, 2, 3]),
        )
        accessed = self.yes(0.72)
        return {
            "supervision_months": data.get("supervision_months") or 12,
            "order_status": data["status"],
            "cjswr_prepared": "yes" if rng.random() < 0.85 else "no",
            "cjswr_quality": self.rating(REPORTS),
            "cjswr_informed_sentencing": self.yes(0.85),
            "first_contact_date": self.after(order, 0, 1 if rng.random() < 0.8 else 4),
            "first_contact_late_reason": rng.choice(
                ["person_did_not_attend", "worker_not_available", "not_recorded"]
            ),
            "induction_date": self.after(order, 1, 5 if rng.random() < 0.8 else 9),
            "weekly_contact_first_4_weeks": self.yes(0.8),
            "lscmi_completed": "yes" if rng.random() < 0.9 else "no",
            "lscmi_completed_date": lscmi_date,
            "lscmi_extension_ratified": self.yes(0.35, spread=0.5),
            "lscmi_quality": self.rating(ASSESSMENTS),
            "sexual_offending": "yes" if rng.random() < 0.05 else "no",
            "rm2000_used": self.yes(0.85),
            "sa07_used": self.yes(0.75),
            "domestic_abuse": "yes" if rng.random() < 0.2 else "no",
            "sara_used": self.yes(0.75),
            "age_appropriate_tool": self.yes(0.7),
            "rosh_required": "yes" if rng.random() < 0.3 else "no",
            "rosh_completed": self.yes(0.85),
            "rosh_quality": self.rating(),
            "rosh_merited_not_done": "yes" if rng.random() < 0.06 else "no",
            "rmp_in_place": self.yes(0.6),
            "rmp_quality": self.rating(),
            "upw_risk_need_process": self.yes(0.65),
            "upw_concerns_identified": "yes" if rng.random() < 0.2 else "no",
            "upw_concerns_escalated": self.yes(0.7),
            "cmp_in_place": self.yes(0.88, spread=0.2),
            "cmp_date": self.calendar.add_working_days(lscmi_date, rng.randint(0, 5)),
            "cmp_on_lscmi": self.yes(0.85),
            "cmp_quality": self.rating(),
            "cmp_with_person": self.yes(0.72),
            "intensity": rng.choice(["high", "medium", "medium", "low", "low", "very_high"]),
            "intensity_consistent": self.yes(0.85),
            "review_3_months": self.yes(0.72),
            "review_6_months": self.yes(0.68),
            "review_six_monthly": rng.choice(["yes", "no", "na"]),
            "review_template": self.yes(0.8),
            "review_recorded_progress": self.yes(0.65),
            "home_visit_done": self.yes(0.55, spread=0.5),
            "home_visit_rationale": self.yes(0.4),
            "interventions_needed": needed,
            "interventions_accessed": accessed,
            "interventions_missed_reason": rng.choice(
                ["non_engagement", "non_engagement", "service_delay", "need_not_identified"]
            ),
            "offence_focused_work": self.yes(0.7),
            "recording_quality": self.rating(),
            "upw_first_placement_date": self.after(order, 2, 7 if rng.random() < 0.75 else 15),
            "upw_completed_in_time": self.yes(0.8),
            "upw_other_activity_used": "yes" if rng.random() < 0.4 else "no",
            "upw_other_activity_within_limit": self.yes(0.9),
            "upw_women_only_options": self.yes(0.6),
            "non_compliance": "yes" if rng.random() < 0.35 else "no",
            "non_compliance_managed": self.yes(0.8),
            "breach_action": "yes" if rng.random() < 0.4 else "no",
            "breach_proportionate": self.yes(0.9),
            "views_sought": self.yes(0.72),
            "positive_developments": rng.sample(
                [
                    "accommodation",
                    "employment_learning",
                    "substance_use",
                    "relationships",
                    "wellbeing",
                ],
                rng.choice([0, 1, 1, 2, 3]),
            ),
            "offending_reduced": self.yes(0.55, spread=0.5),
            "outcomes_notes": rng.choice(OUTCOME_NOTES),
        }

    def disagree(self, answers: dict[str, Any], questions: dict[str, Question]) -> dict[str, Any]:
        """A second reader's answers: mostly the same, with a few differences."""
        second = dict(answers)
        candidates = [
            code
            for code, value in answers.items()
            if questions[code].kind in (Question.Kind.RATING_6, Question.Kind.YES_NO_NA)
            and value in (1, 2, 3, 4, 5, 6, "yes", "no")
        ]
        for code in self.rng.sample(
            candidates, min(len(candidates), self.rng.choice([0, 1, 1, 2, 3]))
        ):
            value = answers[code]
            if isinstance(value, int):
                second[code] = max(1, min(6, value + self.rng.choice([-1, 1])))
            else:
                second[code] = "no" if value == "yes" else "yes"
        return second


def _evaluate(version, typed: dict[str, Any], context: dict[str, Any], calendar) -> dict[str, Any]:
    """Return the typed answers that are shown, plus the derived answers, all parsed."""
    questions = {q.code: q for q in questions_of(version)}
    parsed = {}
    for code, raw in typed.items():
        check = validate_answer(questions[code], raw)
        if check.error:
            raise ValueError(f"Demo answer {code}={raw!r}: {check.error}")
        if check.value is not None:
            parsed[code] = check.value
    evaluation = instrument_evaluate(version, parsed, context, calendar=calendar)
    kept = {}
    for question in evaluation.visible:
        value = evaluation.values.get(question.code)
        if value is not None and value != "" and value != []:
            kept[question.code] = value
    return kept


def _context(data: dict[str, Any]) -> dict[str, Any]:
    keys = ("order_date", "end_date", "requirements", "unpaid_work_hours", "age_band", "sex")
    return {k: data[k] for k in keys if data.get(k) not in (None, "")}


def _partial(values, questions, rng, version, context, calendar) -> dict[str, Any]:
    """Answers of a reading stopped part-way: the first typed ones, and what they derive."""
    typed = [code for code in values if not questions[code].is_derived]
    keep = typed[: max(3, round(len(typed) * rng.uniform(0.3, 0.7)))]
    return _evaluate(version, {c: values[c] for c in keep}, context, calendar)


def _readings(spec, inspection, sample, readers, lead, version, calendar, rng) -> None:
    questions = {q.code: q for q in questions_of(version)}
    sampled = list(
        sample.records.filter(role=SampleRecord.Role.SAMPLED)
        .select_related("record")
        .order_by("stratum", "rank")
    )
    maker = AnswerMaker(spec, rng, calendar)
    submitted_count = round(len(sampled) * spec.read_share)
    started_count = round(len(sampled) * spec.started_share)
    # Which records have been read: spread across strata, not the first strata only.
    order = sorted(
        range(len(sampled)), key=lambda i: sampling.rank_key(sample.seed + ":read", str(i))
    )
    state = {}
    for position, index in enumerate(order):
        if position < submitted_count:
            state[index] = "submitted"
        elif position < submitted_count + started_count:
            state[index] = "started"
    when = timezone.make_aware(dt.datetime.combine(spec.fieldwork_start, dt.time(16, 0)))
    readings: list[Reading] = []
    answer_sets: list[dict[str, Any]] = []
    moderated: list[ModeratedAnswer] = []
    for index, record in enumerate(sampled):
        first_reader = readers[index % len(readers)]
        progress = state.get(index)
        first_values: dict[str, Any] = {}
        context = _context(record.record.data)
        raw: dict[str, Any] = {}
        if progress:
            raw = maker.answers(record.record.data)
            first_values = _evaluate(version, raw, context, calendar)
            if progress == "started":
                first_values = _partial(first_values, questions, rng, version, context, calendar)
        readings.append(
            Reading(
                sample_record=record,
                reader=first_reader,
                order=Reading.Order.FIRST,
                instrument_version=version,
                status=Reading.Status.SUBMITTED
                if progress == "submitted"
                else Reading.Status.IN_PROGRESS,
                submitted_at=when if progress == "submitted" else None,
            )
        )
        answer_sets.append(first_values)
        if not record.double_read:
            continue
        second_reader = readers[(index + 1) % len(readers)]
        second_values: dict[str, Any] = {}
        second_done = progress == "submitted" and (spec.read_share == 1 or index % 2 == 0)
        if progress == "submitted":
            typed = {c: v for c, v in first_values.items() if not questions[c].is_derived}
            # Differences may show questions the first reader did not see: those keep the
            # generated answers, so the second reading is complete too.
            second_raw = {**raw, **maker.disagree(typed, questions)}
            second_values = _evaluate(version, second_raw, context, calendar)
            if not second_done:
                second_values = _partial(second_values, questions, rng, version, context, calendar)
        readings.append(
            Reading(
                sample_record=record,
                reader=second_reader,
                order=Reading.Order.SECOND,
                instrument_version=version,
                status=Reading.Status.SUBMITTED if second_done else Reading.Status.IN_PROGRESS,
                submitted_at=when if second_done else None,
            )
        )
        answer_sets.append(second_values)
        if spec.moderated and second_done:
            for code in sorted(set(first_values) | set(second_values)):
                if questions[code].is_derived or first_values.get(code) == second_values.get(code):
                    continue
                if code not in first_values:
                    continue
                row = ModeratedAnswer(
                    sample_record=record, reason=MODERATION_REASON, moderated_by=lead
                )
                row.set_value(questions[code], first_values[code])
                moderated.append(row)
    created = Reading.objects.bulk_create(readings)
    rows = []
    for reading, values in zip(created, answer_sets, strict=True):
        for code, value in values.items():
            row = Answer(reading=reading, version=1, updated_by=reading.reader)
            row.set_value(questions[code], value)
            rows.append(row)
    Answer.objects.bulk_create(rows, batch_size=2000)
    ModeratedAnswer.objects.bulk_create(moderated)
    if any(values for values in answer_sets):
        Sample.objects.filter(pk=sample.pk).update(locked_at=when)


# --- Interviews ---------------------------------------------------------------------------------


def _interviews(spec, activity, version, events, readers, rng) -> None:
    """Interviews with people on orders on the interview days, pseudonymous (P-001, …)."""
    questions = {q.code: q for q in questions_of(version)}
    days = [e for e in events if e.kind == E.PEOPLE_ON_ORDERS]
    held = [e for e in days if e.status == S.COMPLETED] or days[:1]
    interviewers = [r for r in readers if r.memberships.filter(role=Role.INSPECTOR).exists()]
    interviewers += [r for r in readers if r.email == ASSOCIATE[2]]
    total = spec.interviews + spec.declined
    declined_at = set(rng.sample(range(total), spec.declined))
    interviews, answer_sets = [], []
    texts = DEMO_INTERVIEW_TEXTS
    for number in range(total):
        day = held[number % len(held)]
        if number in declined_at:
            raw = {"consent_given": "no"}
        else:
            raw = {
                "consent_given": "yes",
                "requirement_type": _pick(
                    rng, [("unpaid_work", 45), ("supervision", 30), ("both", 25)]
                ),
                "understood_order": "yes" if rng.random() < 0.9 else "no",
                "involved_in_plan": "yes" if rng.random() < 0.55 + spec.quality * 0.3 else "no",
                "staff_relationship": rng.choices([6, 5, 4, 3, 2], weights=[30, 38, 20, 9, 3])[0],
                "treated_with_respect": "yes" if rng.random() < 0.92 else "no",
                "helped": rng.sample(
                    [o["value"] for o in questions["helped"].options if o["value"] != "other"],
                    rng.choice([1, 1, 2, 2, 3]),
                ),
                "helped_detail": rng.choice(texts["helped_detail"]),
                "life_improved": "yes" if rng.random() < 0.75 else "no",
                "barriers": rng.choice(texts["barriers"]),
                "anything_else": rng.choice(texts["anything_else"]),
            }
        values = _evaluate(version, raw, {}, None)
        interviews.append(
            Interview(
                activity=activity,
                instrument_version=version,
                pseudonym=f"P-{number + 1:03d}",
                date=day.date,
                interviewer=interviewers[number % len(interviewers)],
            )
        )
        answer_sets.append(values)
    created = Interview.objects.bulk_create(interviews)
    rows = []
    for interview, values in zip(created, answer_sets, strict=True):
        for code, value in values.items():
            row = InterviewAnswer(interview=interview)
            row.set_value(questions[code], value)
            rows.append(row)
    InterviewAnswer.objects.bulk_create(rows, batch_size=2000)
    for day in days:
        if day.status == S.COMPLETED:
            day.participants = {"people_on_orders": sum(1 for i in created if i.date == day.date)}
            day.save(update_fields=["participants"])


from inspections import demo_publication  # noqa: E402, F401  (registers its demo step, order 50)
