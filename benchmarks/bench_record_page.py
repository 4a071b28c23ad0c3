"""The record page and autosave in-process: times, query counts and a profile (issue 9).

One reader (an inspector with two factors, signed in through tests.factories.login) with one
reading of a 30-record sample, some answers already given. The Django test client calls the
application in-process, one request at a time, so these are the server's own costs with no
waiting for a worker:

- GET inspections:reading_update, cycling through the tool's sections (as the load test does);
- POST inspections:answer_save, JSON with a fresh client save ID, cycling through answers.

Each row's note gives the queries one request makes. BENCH_RECORD_PAGE_N sets how many
requests are timed (default 60). BENCH_RECORD_PAGE_PROFILE=1 prints a cProfile of the record
page and of autosave (cumulative time, top 45) to stderr. The database is whatever DATABASE_URL says
(PostgreSQL for the figures that matter); migrations are applied first. Run with DEBUG=False
for figures closer to production. Everything made is deleted at the end except the reader
(reused) and the audit entries, which are append-only.
"""

import cProfile
import io
import json
import os
import pstats
import sys
import uuid

from benchmarks.bench_reading import ANSWERS  # the answers a reader saves
from benchmarks.common import Row, timeit

RECORDS = 30
TITLE = "Benchmark: record page"


def run() -> list[Row]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Membership, Organisation, Role, User
    from accounts.services import organisations_load
    from inspections.models import Reading, SampleRecord
    from qi_framework.instruments import instruments_load_all
    from qi_framework.services import framework_load
    from tests.factories import login
    from tests.inspections.factories import assign, make_inspection, make_population, make_sample

    call_command("migrate", verbosity=0)
    organisations_load()
    framework_load()
    instruments_load_all()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    n = int(os.environ.get("BENCH_RECORD_PAGE_N", "60"))
    inspectorate = Organisation.objects.get(slug="care-inspectorate")
    user, created = User.objects.get_or_create(
        email="bench-record-page@bench.test", defaults={"name": "Bench record page reader"}
    )
    if created:
        Membership.objects.create(user=user, organisation=inspectorate, role=Role.INSPECTOR)
    inspection = make_inspection(lead=user, title=TITLE)
    activity = inspection.activity
    rows: list[Row] = []
    try:
        make_population(inspection, size=RECORDS + 10)
        sample = make_sample(inspection, size=RECORDS)
        assign(user, "inspector", inspection)
        version = activity.reading_instrument
        records = list(sample.records.filter(role=SampleRecord.Role.SAMPLED))
        Reading.objects.bulk_create(
            Reading(sample_record=r, reader=user, instrument_version=version) for r in records
        )
        reading = Reading.objects.filter(sample_record__sample=sample).order_by("pk").first()
        sections = version.sections.count()
        client = Client()
        login(client, user)
        page_url = reverse("inspections:reading_update", kwargs={"pk": reading.pk})
        save_url = reverse("inspections:answer_save", kwargs={"pk": reading.pk})
        tick = [0]

        def save() -> None:
            code, values = ANSWERS[tick[0] % len(ANSWERS)]
            body = {
                "question": code,
                "value": values[(tick[0] // len(ANSWERS)) % len(values)],
                "based_on_version": None,
                "client_save_id": str(uuid.uuid4()),
            }
            tick[0] += 1
            response = client.post(
                save_url,
                data=json.dumps(body),
                content_type="application/json",
                headers={"X-Requested-With": "fetch"},
            )
            assert response.status_code == 200, response.content[:300]

        def page() -> None:
            section = 1 + tick[0] % sections
            tick[0] += 1
            response = client.get(f"{page_url}?section={section}")
            assert response.status_code == 200, response.status_code

        for _ in range(len(ANSWERS)):  # the reading begun, some answers given
            save()

        def queries(fn) -> str:
            counts = []
            for _ in range(len(ANSWERS)):
                with CaptureQueriesContext(connection) as captured:
                    fn()
                counts.append(len(captured))
            return f"{min(counts)}–{max(counts)}" if min(counts) != max(counts) else str(counts[0])

        page_queries = queries(page)
        save_queries = queries(save)
        note = f"{connection.vendor}; one request at a time"
        rows.append(timeit("record page GET", page, n=n, note=f"{note}; {page_queries} queries"))
        rows.append(timeit("autosave POST", save, n=n, note=f"{note}; {save_queries} queries"))
        if os.environ.get("BENCH_RECORD_PAGE_PROFILE"):
            for label, fn in (("record page", page), ("autosave", save)):
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(20):
                    fn()
                profile.disable()
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
                print(f"Profile of the {label}, 20 requests:", out.getvalue(), file=sys.stderr)
    finally:
        _delete(inspection)
    return rows


def _delete(inspection) -> None:
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Assignment
    from inspections.models import Reading, Sample, ScrutinyActivity

    activity = inspection.activity
    Reading.objects.filter(sample_record__sample__activity=activity).delete()
    for sample in Sample.objects.filter(activity=activity):
        sample.records.all().delete()
        sample.delete()
    population = getattr(ScrutinyActivity.objects.get(pk=activity.pk), "population", None)
    if population is not None:
        population.records.all().delete()
        population.delete()
    Assignment.objects.filter(
        target_type=ContentType.objects.get_for_model(activity), target_id=activity.pk
    ).delete()
    inspection.qis.all().delete()
    inspection.delete()
    activity.delete()
