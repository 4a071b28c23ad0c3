"""Generate demo CPO inspections at scale, for the dashboards and their benchmark (issue 8).

`--scale national`: the 32 local authorities over ten years, each inspected in about nine
years of ten: about 290 inspections, 200,000 population records, 20,000 readings (10% of
records double-read) and 1.5 million answers, with moderation and agreed grades. `--scale
small` makes a dozen inspections in four authorities for development. The same `--seed`
always gives the same data.

Rows are written in bulk (PostgreSQL COPY for populations and answers), so no service runs and
nothing is audited: this is demo data, marked by the "(demo data)" in every title, and the
command refuses to run a second time. Signals do not see bulk writes, so the dashboard
summaries of the new activities are computed at the end (ADR 0009).
"""

import datetime as dt
import json
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Assignment, Membership, Organisation, Role, User
from inspections.models import (
    Answer,
    Evaluation,
    EvaluationRecord,
    Inspection,
    InspectionQI,
    ModeratedAnswer,
    Population,
    PopulationRecord,
    Reading,
    Sample,
    SampleRecord,
    ScrutinyActivity,
)
from inspections.sampling import ALGORITHM_VERSION, stratum_for_order_type
from qi_framework.models import Question, ScrutinyKind

MARK = "(demo data)"
ALREADY_LOADED = (
    "Demo data has already been generated in this database (inspections titled “… {mark}”). "
    "Use a fresh database to generate it again."
)
NO_REFERENCE_DATA = "Load the reference data first: {missing} missing."
S = Inspection.Status
REQUIREMENTS = [
    ["supervision"],
    ["unpaid_work"],
    ["supervision", "unpaid_work"],
    ["supervision", "alcohol_treatment"],
    ["supervision", "programme"],
    ["unpaid_work", "compensation"],
]


@dataclass(frozen=True)
class Scale:
    authorities: int
    first_year: int  # 0: the years end with this one
    years: int
    chance: float  # that an authority is inspected in a given year
    population: tuple[int, int]  # size range of each population
    sample: tuple[int, int]  # size range of each sample
    readers: int


SCALES = {
    "national": Scale(32, 0, 10, 0.9, (570, 900), (61, 73), 40),
    "small": Scale(4, 0, 3, 1.0, (40, 60), (10, 14), 6),
}


class Command(BaseCommand):
    help = "Generate CPO inspections, readings and grades at national (or small) scale."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", default="justice-demo", help="Same seed, same data.")
        parser.add_argument(
            "--authorities", type=int, help="Override the number of authorities (development)."
        )
        parser.add_argument("--years", type=int, help="Override the number of years.")

    def handle(self, *args, scale, seed, authorities=None, years=None, **options):
        chosen = SCALES[scale]
        if authorities or years:
            chosen = Scale(
                authorities or chosen.authorities,
                0,
                years or chosen.years,
                chosen.chance,
                chosen.population,
                chosen.sample,
                chosen.readers,
            )
        if ScrutinyActivity.objects.filter(title__endswith=MARK).exists():
            raise CommandError(ALREADY_LOADED.format(mark=MARK))
        started = time.perf_counter()
        generator = Generator(chosen, random.Random(seed), self.stdout)
        with transaction.atomic():
            generator.run()
        self.stdout.write(f"Wrote the rows in {time.perf_counter() - started:.1f} s.")
        from reports.dashboards.summaries import summaries_refresh

        refreshed = summaries_refresh(activity_ids=generator.activity_ids)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {generator.counts['inspections']:,} inspections, "
                f"{generator.counts['population']:,} population records, "
                f"{generator.counts['readings']:,} readings, "
                f"{generator.counts['answers']:,} answers "
                f"({generator.counts['moderated']:,} moderated), "
                f"{generator.counts['evaluations']:,} agreed grades and {refreshed} dashboard "
                f"summaries in {elapsed:.1f} s."
            )
        )


class Generator:
    def __init__(self, scale: Scale, rng: random.Random, out):
        self.scale = scale
        self.rng = rng
        self.out = out
        self.activity_ids: list[int] = []
        self.counts = dict.fromkeys(
            ("inspections", "population", "readings", "answers", "moderated", "evaluations"), 0
        )
        self.now = timezone.now()
        self.today = timezone.localdate()

    # --- set-up ---------------------------------------------------------------------------

    def reference(self):
        from qi_framework.instruments import instrument_version_current
        from qi_framework.selectors import framework_current, scope_for

        self.framework = framework_current()
        self.reading_tool = instrument_version_current(code="cpo-file-reading")
        self.interview_tool = instrument_version_current(code="cpo-interview")
        self.care_inspectorate = Organisation.objects.filter(slug="care-inspectorate").first()
        missing = [
            name
            for name, value in (
                ("the QI framework (load_framework)", self.framework),
                ("the CPO reading tool (load_instruments)", self.reading_tool),
                ("the organisations (load_organisations)", self.care_inspectorate),
            )
            if value is None
        ]
        if missing:
            raise CommandError(NO_REFERENCE_DATA.format(missing=", ".join(missing)))
        self.scope = scope_for(framework=self.framework, scrutiny_kind=ScrutinyKind.CPO_INSPECTION)
        self.questions = list(
            Question.objects.filter(version=self.reading_tool).order_by("position")
        )
        self.authorities = list(
            Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY).order_by("name")
        )[: self.scale.authorities]
        self.activity_type = ContentType.objects.get_for_model(ScrutinyActivity)

    def readers(self) -> list[User]:
        users = []
        for i in range(1, self.scale.readers + 1):
            user, created = User.objects.get_or_create(
                email=f"demo-reader-{i:02d}@national.demo.test",
                defaults={"name": f"Demo reader {i:02d}"},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                Membership.objects.create(
                    user=user, organisation=self.care_inspectorate, role=Role.INSPECTOR
                )
            users.append(user)
        return users

    # --- the run --------------------------------------------------------------------------

    def run(self) -> None:
        self.reference()
        readers = self.readers()
        # Each authority has its own level of practice, so areas differ on the dashboard.
        level = {a.pk: self.rng.uniform(-1.0, 1.0) for a in self.authorities}
        first_year = self.scale.first_year or self.today.year - self.scale.years + 1
        last_year = first_year + self.scale.years - 1
        for year in range(first_year, last_year + 1):
            for authority in self.authorities:
                if self.rng.random() > self.scale.chance:
                    continue
                status = self.status_for(year, last_year)
                self.inspection(authority, year, status, level[authority.pk], readers)
            self.out.write(
                f"  {year}: {self.counts['inspections']:,} inspections, "
                f"{self.counts['answers']:,} answers so far"
            )

    def status_for(self, year: int, last_year: int) -> str:
        if year < last_year - 1:
            return self.rng.choice([S.CLOSED, S.CLOSED, S.IMPROVEMENT])
        if year < last_year:
            return self.rng.choice([S.PUBLISHED, S.IMPROVEMENT, S.REPORTING])
        return self.rng.choice([S.PLANNED, S.SELF_EVALUATION, S.FIELDWORK, S.EVALUATION])

    def inspection(self, authority, year, status, level, readers) -> None:
        rng = self.rng
        # Work still under way this year is dated around today: planned work ahead, fieldwork
        # and evaluation just behind, so the programme has something due and something late.
        if status in (S.PLANNED, S.SELF_EVALUATION):
            start = self.today + dt.timedelta(days=rng.randint(14, 150))
        elif status in (S.FIELDWORK, S.EVALUATION):
            start = self.today - dt.timedelta(days=rng.randint(20, 70))
        else:
            start = dt.date(year, rng.randint(2, 10), rng.randint(1, 28))
        title = (
            f"Inspection of justice social work services in {authority.name}, {start.year} {MARK}"
        )
        activity = ScrutinyActivity.objects.create(
            title=title,
            scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
            authority=authority,
            framework=self.framework,
            population_schema="cpo",
            reading_instrument=self.reading_tool,
            interview_instrument=self.interview_tool,
        )
        self.activity_ids.append(activity.pk)
        end = start + dt.timedelta(days=rng.randint(21, 42))
        inspection = Inspection.objects.create(
            activity=activity,
            title=title,
            status=status,
            governance=rng.choice(Inspection.Governance.values),
            period_start=dt.date(year - 2, start.month, 1),
            period_end=start - dt.timedelta(days=30),
            notice_date=start - dt.timedelta(days=70),
            self_evaluation_due=start - dt.timedelta(days=28),
            fieldwork_start=start,
            fieldwork_end=end,
            feedback_date=end + dt.timedelta(days=14),
            target_publication=end + dt.timedelta(days=rng.randint(90, 150)),
        )
        self.counts["inspections"] += 1
        InspectionQI.objects.bulk_create(
            InspectionQI(
                inspection=inspection,
                quality_indicator=entry.quality_indicator,
                evaluated=entry.evaluated,
            )
            for entry in self.scope
        )
        team = rng.sample(readers, 3)
        Assignment.objects.bulk_create(
            Assignment(user=user, kind=kind, target_type=self.activity_type, target_id=activity.pk)
            for user, kind in zip(team, ("lead_inspector", "inspector", "inspector"), strict=True)
        )
        if status in (S.PLANNED, S.SELF_EVALUATION):
            return
        records = self.population(activity, authority, start)
        self.sample_and_read(activity, records, team, level)
        if status not in (S.FIELDWORK, S.EVALUATION):
            self.grades(inspection, level, team[0], end)

    def population(self, activity, authority, start) -> list[tuple[int, dict]]:
        rng = self.rng
        size = rng.randint(*self.scale.population)
        population = Population.objects.create(activity=activity, schema="cpo", row_count=size)
        prefix = "".join(w[0] for w in authority.name.split()).upper()[:3]
        rows = []
        for i in range(size):
            requirements = rng.choice(REQUIREMENTS)
            order_date = start - dt.timedelta(days=rng.randint(60, 700))
            rows.append(
                (
                    f"{prefix}-{activity.pk:04d}-{i:05d}",
                    i + 2,
                    {
                        "order_date": order_date.isoformat(),
                        "status": rng.choice(["current", "completed", "completed", "breached"]),
                        "requirements": requirements,
                        "unpaid_work_hours": rng.choice([80, 120, 200, 250])
                        if "unpaid_work" in requirements
                        else None,
                        "supervision_months": rng.choice([6, 12, 18, 24])
                        if "supervision" in requirements
                        else None,
                        "sex": "female" if rng.random() < 0.15 else "male",
                        "age_band": rng.choice(["18_to_20", "21_to_25", "26_to_40", "41_and_over"]),
                        "team": rng.choice(["North", "South", "East", "West"]),
                        "order_type": stratum_for_order_type(requirements),
                    },
                )
            )
        self.copy(
            PopulationRecord,
            ["population_id", "reference", "row_number", "data"],
            [(population.pk, ref, n, json.dumps(data)) for ref, n, data in rows],
        )
        self.counts["population"] += size
        ids = list(
            PopulationRecord.objects.filter(population=population)
            .order_by("row_number")
            .values_list("pk", flat=True)
        )
        return [(pk, data) for pk, (_, _, data) in zip(ids, rows, strict=True)]

    def sample_and_read(self, activity, records, team, level) -> None:
        rng = self.rng
        size = min(len(records), rng.randint(*self.scale.sample))
        chosen = rng.sample(records, size + min(5, len(records) - size))
        sample = Sample.objects.create(
            activity=activity,
            seed=f"demo-{activity.pk}",
            algorithm_version=ALGORITHM_VERSION,
            stratify_by="order_type",
            calculated_size=size,
            size=size,
            allocation={},
            locked_at=self.now,
        )
        sample_records = SampleRecord.objects.bulk_create(
            SampleRecord(
                sample=sample,
                record_id=pk,
                stratum=data["order_type"],
                rank=i + 1,
                role=SampleRecord.Role.SAMPLED if i < size else SampleRecord.Role.RESERVE,
                double_read=i < size and rng.random() < 0.1,
            )
            for i, (pk, data) in enumerate(chosen)
        )
        readings = []
        for record in sample_records:
            if record.role != SampleRecord.Role.SAMPLED:
                continue
            first, second = rng.sample(team, 2)
            readings.append((record, first, Reading.Order.FIRST))
            if record.double_read:
                readings.append((record, second, Reading.Order.SECOND))
        created = Reading.objects.bulk_create(
            Reading(
                sample_record=record,
                reader=reader,
                order=order,
                instrument_version=self.reading_tool,
                status=Reading.Status.SUBMITTED,
                submitted_at=self.now,
            )
            for record, reader, order in readings
        )
        self.counts["readings"] += len(created)
        answers = []
        first_values: dict[int, dict[int, tuple]] = {}
        moderated = []
        for reading in created:
            values = {}
            for question in self.questions:
                value = self.value(question, level)
                if value is not None:
                    values[question.pk] = value
                    answers.append((reading.pk, question.pk, *value, reading.reader_id))
            if reading.order == Reading.Order.FIRST:
                first_values[reading.sample_record_id] = values
            else:
                # Where the two readers differ on a rating, the lead records the answer that
                # counts.
                theirs = first_values.get(reading.sample_record_id, {})
                for question in self.questions:
                    if question.kind != Question.Kind.RATING_6:
                        continue
                    a, b = theirs.get(question.pk), values.get(question.pk)
                    if a and b and a != b:
                        moderated.append(
                            ModeratedAnswer(
                                sample_record_id=reading.sample_record_id,
                                question=question,
                                value_number=self.rng.choice([a, b])[1],
                                reason="Agreed at moderation (demo data)",
                                moderated_by_id=team[0].pk,
                            )
                        )
        self.copy(
            Answer,
            [
                "reading_id",
                "question_id",
                "value_code",
                "value_number",
                "value_date",
                "value_choices",
                "value_text",
                "updated_by_id",
                "version",
                "updated_at",
            ],
            [(*row, 1, self.now) for row in answers],
        )
        ModeratedAnswer.objects.bulk_create(moderated, batch_size=2000)
        self.counts["answers"] += len(answers) + len(moderated)
        self.counts["moderated"] += len(moderated)

    def value(self, question: Question, level: float):
        """Return (code, number, date, choices JSON, text) for one answer, or None."""
        rng = self.rng
        kind = question.kind
        if kind == Question.Kind.RATING_6:
            centre = 4.1 + 0.9 * level
            grade = max(1, min(6, round(rng.gauss(centre, 1.0))))
            return ("", Decimal(grade), None, None, "")
        if kind == Question.Kind.YES_NO_NA:
            if rng.random() < 0.12:
                return ("na", None, None, None, "")
            return ("yes" if rng.random() < 0.72 + 0.18 * level else "no", None, None, None, "")
        if kind == Question.Kind.SINGLE_CHOICE:
            options = [o["value"] for o in question.options]
            return (rng.choice(options), None, None, None, "") if options else None
        if kind == Question.Kind.MULTIPLE_CHOICE:
            options = [o["value"] for o in question.options]
            picked = [o for o in options if rng.random() < 0.3] or options[:1]
            return ("", None, None, json.dumps(picked), "")
        if kind == Question.Kind.NUMBER:
            return ("", Decimal(rng.randint(1, 24)), None, None, "")
        if kind == Question.Kind.DATE:
            return (
                "",
                None,
                dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1500)),
                None,
                "",
            )
        return ("", None, None, None, "Progress noted in the record (demo data).")

    def grades(self, inspection, level, lead, end) -> None:
        rows = []
        for entry in self.scope:
            if not entry.evaluated:
                continue
            grade = max(1, min(6, round(self.rng.gauss(4.0 + 1.0 * level, 0.8))))
            rows.append(
                Evaluation(
                    inspection=inspection,
                    quality_indicator=entry.quality_indicator,
                    grade=grade,
                    rationale="Demo data.",
                    agreed_by=lead,
                    agreed_at=self.now,
                )
            )
        Evaluation.objects.bulk_create(rows)
        EvaluationRecord.objects.create(inspection=inspection, locked_at=self.now, locked_by=lead)
        self.counts["evaluations"] += len(rows)

    # --- writing --------------------------------------------------------------------------

    def copy(self, model, columns: list[str], rows: list[tuple]) -> None:
        """Write rows with PostgreSQL COPY, or bulk_create elsewhere (SQLite)."""
        if not rows:
            return
        if connection.vendor != "postgresql":
            model.objects.bulk_create(
                [model(**self._fields(model, columns, row)) for row in rows], batch_size=2000
            )
            return
        table = model._meta.db_table
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    @staticmethod
    def _fields(model, columns, row) -> dict:
        values = dict(zip(columns, row, strict=True))
        for key in ("data", "value_choices"):
            if isinstance(values.get(key), str):
                values[key] = json.loads(values[key])
        return values
