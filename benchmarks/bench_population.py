"""Population import and a stratified draw, for a 100,000-row CPO population (draw target < 1 s).

- "parse and check" is inspections.services.population_parse on the CSV bytes: decoding, header
  matching, every cell converted and every row checked against the CPO schema. No database.
- "import" is what the upload page does: core.uploads.upload_accept (checks, scan, hash, store)
  then population_import (parse again, replace the population in one transaction with
  bulk_create, audit), into a fresh inspection each time.
- "draw" is inspections.services.sample_draw stratified by order type (95% ±9%, at least 10 a
  stratum) from the imported population: one query for the records, the hash-ranked draw, the
  sample and reserve rows written with bulk_create, audit.

The CSV (valid: order dates spread month by month over the inspection period) is generated once
into the system's temporary folder and reused. Uploaded files go to a temporary MEDIA_ROOT.
Everything made is deleted between runs and at the end. The database is whatever DATABASE_URL
says; migrations are applied first.
"""

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, percentile

ROWS = 100_000
RUNS = 3
FOLDER = Path(tempfile.gettempdir()) / "justice-bench-population"
CSV_PATH = FOLDER / f"cpo-{ROWS}.csv"
PERIOD_START = dt.date(2017, 11, 1)
PERIOD_END = dt.date(2019, 10, 31)
TITLE = "Benchmark: population import"
SEED = "0f3a9c5e7d214b6a8c1e2f3a4b5c6d7e"

HEADER = (
    "Reference,Order date,End date,Status,Requirements,Unpaid work hours,Unpaid work level,"
    "Supervision months,Sex,Age band,Team"
)
# (requirements, unpaid work hours, supervision months): a realistic mix of order types.
MIX = [
    ("Offender supervision", "", "12"),
    ("Offender supervision", "", "18"),
    ("Unpaid work or other activity", "80", ""),
    ("Unpaid work or other activity", "150", ""),
    ("Offender supervision; Unpaid work or other activity", "120", "12"),
    ("Offender supervision | Alcohol treatment", "", "24"),
    ("Offender supervision; Programme; Conduct", "", "24"),
]
SEXES = ["Male", "Male", "Male", "Female", "Not recorded"]
AGE_BANDS = ["18 to 20", "21 to 25", "26 to 40", "26 to 40", "41 and over"]
TEAMS = ["Clydebank", "Dumbarton", "Alexandria", "Vale of Leven"]


def _months() -> list[dt.date]:
    months, day = [], PERIOD_START
    while day <= PERIOD_END:
        months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def _generate(path: Path) -> None:
    months = _months()
    lines = [HEADER]
    for i in range(ROWS):
        requirements, hours, supervision = MIX[i % len(MIX)]
        order_date = months[i % len(months)] + dt.timedelta(days=(i // len(months)) % 28)
        finished = i % 3 != 0
        end_date = (order_date + dt.timedelta(days=200 + i % 300)).isoformat() if finished else ""
        lines.append(
            ",".join(
                [
                    f"CPO/{i + 1:06d}",
                    order_date.strftime("%d/%m/%Y"),
                    end_date,
                    ("Completed", "Breached", "Current")[i % 3] if finished else "Current",
                    requirements,
                    hours,
                    "",
                    supervision,
                    SEXES[i % len(SEXES)],
                    AGE_BANDS[i % len(AGE_BANDS)],
                    TEAMS[i % len(TEAMS)],
                ]
            )
        )
    FOLDER.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _row(name: str, samples: list[float], note: str) -> Row:
    return Row(name, statistics.median(samples), percentile(samples, 0.95), len(samples), note)


def run() -> list[Row]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from accounts.models import Organisation, User
    from accounts.services import organisations_load
    from core.models import StoredFile
    from core.uploads import upload_accept
    from inspections.models import Inspection, Sample, ScrutinyActivity
    from inspections.population_schemas import CPO, RowContext
    from inspections.services import population_import, population_parse, sample_draw
    from qi_framework.instruments import instrument_version_current, instruments_load_all
    from qi_framework.models import ScrutinyKind
    from qi_framework.selectors import framework_current
    from qi_framework.services import framework_load

    call_command("migrate", verbosity=0)
    organisations_load()
    framework_load()
    instruments_load_all()
    if not CSV_PATH.exists():
        _generate(CSV_PATH)
    data = CSV_PATH.read_bytes()
    user, _ = User.objects.get_or_create(
        email="bench-population@bench.test", defaults={"name": "Bench"}
    )
    authority = Organisation.objects.get(slug="west-dunbartonshire")

    def fresh_activity() -> ScrutinyActivity:
        activity = ScrutinyActivity.objects.create(
            title=TITLE,
            scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
            authority=authority,
            framework=framework_current(),
            population_schema="cpo",
            reading_instrument=instrument_version_current(code="cpo-file-reading"),
            interview_instrument=instrument_version_current(code="cpo-interview"),
        )
        Inspection.objects.create(
            activity=activity,
            title=activity.title,
            period_start=PERIOD_START,
            period_end=PERIOD_END,
            fieldwork_start=dt.date(2019, 11, 4),
            fieldwork_end=dt.date(2019, 12, 13),
        )
        return activity

    def remove(activity: ScrutinyActivity) -> None:
        for sample in Sample.objects.filter(activity=activity):
            sample.records.update(replaces=None)
            sample.records.all().delete()
            sample.delete()
        population = getattr(activity, "population", None)
        files = list(StoredFile.objects.filter(pk=getattr(population, "source_file_id", None)))
        if population is not None:
            population.records.all().delete()
            population.delete()
        for stored in files:
            name = stored.file.name
            stored.delete()
            stored.file.storage.delete(name)
        Inspection.objects.filter(activity=activity).delete()
        activity.delete()

    for leftover in ScrutinyActivity.objects.filter(title=TITLE):  # from an interrupted run
        remove(leftover)
    context = RowContext(today=dt.date.today(), period_start=PERIOD_START, period_end=PERIOD_END)
    parse_ms, import_ms, draw_ms = [], [], []
    size = strata = 0
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        for _ in range(RUNS):
            start = time.perf_counter()
            parsed = population_parse(data=data, kind="csv", schema=CPO, context=context)
            parse_ms.append((time.perf_counter() - start) * 1000)
            assert parsed.ok and len(parsed.rows) == ROWS, parsed.errors[:5]
            del parsed

            activity = fresh_activity()
            try:
                start = time.perf_counter()
                stored = upload_accept(
                    file=SimpleUploadedFile("population.csv", data, "text/csv"),
                    policy="import",
                    by=user,
                    owner=activity,
                )
                population = population_import(activity=activity, stored_file=stored, by=user)
                import_ms.append((time.perf_counter() - start) * 1000)
                assert population.row_count == ROWS

                start = time.perf_counter()
                sample = sample_draw(
                    activity=activity,
                    stratify_by="order_type",
                    minimum_per_stratum=10,
                    seed=SEED,
                    by=user,
                )
                draw_ms.append((time.perf_counter() - start) * 1000)
                size, strata = sample.size, len(sample.allocation)
            finally:
                remove(activity)

    vendor = connection.vendor
    return [
        _row(f"population parse and check, {ROWS:,} rows", parse_ms, "no database"),
        _row(
            f"population upload and import, {ROWS:,} rows",
            import_ms,
            f"upload_accept + population_import; {vendor}",
        ),
        _row(
            f"sample draw from {ROWS:,} records",
            draw_ms,
            f"{strata} strata, {size} sampled + reserves; {vendor}; target < 1000 ms",
        ),
    ]
