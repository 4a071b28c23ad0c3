"""Record reading under load: the record page and autosave, 20 readers saving every 5 seconds.

Each of 20 threads is one reader (an inspector with two factors, signed in through
tests.factories.login) with 25 records of a 500-record sample. Every 5 seconds a reader opens
the next section of a record (GET inspections:reading_update) and saves one answer
(POST inspections:answer_save, JSON, a fresh client save ID), as the page's script does.
Times are server times: the Django test client calls the application in-process, so there is
no network or browser, and all 20 readers share one Python process (one gunicorn worker with
20 threads, the GIL included), which is harsher than production's several workers.

BENCH_READING_SECONDS sets how long the load runs (default 60). The database is whatever
DATABASE_URL says (PostgreSQL for the figures that matter); migrations are applied first.
Everything made is deleted at the end except the readers (reused) and the audit entries,
which are append-only.
"""

import json
import os
import random
import statistics
import threading
import time
import uuid

from benchmarks.common import Row, percentile

READERS = int(os.environ.get("BENCH_READING_READERS", "20"))
RECORDS = 500
INTERVAL = 5.0
TITLE = "Benchmark: record reading"
ANSWERS = [
    ("order_status", ["current", "completed", "breached", "revoked"]),
    ("cjswr_prepared", ["yes", "no", "na"]),
    ("recording_quality", ["1", "2", "3", "4", "5", "6"]),
    ("first_contact_date", ["9/1/2018", "10/1/2018", "22/1/2018"]),
    ("sexual_offending", ["yes", "no"]),
    ("outcomes_notes", ["Settled accommodation.", "No change seen.", "Employment found."]),
]


def run() -> list[Row]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import Membership, Organisation, Role, User
    from accounts.services import organisations_load
    from inspections.models import Reading, Sample, SampleRecord, ScrutinyActivity
    from qi_framework.instruments import instruments_load_all
    from qi_framework.services import framework_load
    from tests.factories import login
    from tests.inspections.factories import (
        assign,
        make_inspection,
        make_population,
        make_sample,
    )

    call_command("migrate", verbosity=0)
    organisations_load()
    framework_load()
    instruments_load_all()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    seconds = float(os.environ.get("BENCH_READING_SECONDS", "60"))
    inspectorate = Organisation.objects.get(slug="care-inspectorate")

    def reader(n: int) -> User:
        user, created = User.objects.get_or_create(
            email=f"bench-reader-{n}@bench.test", defaults={"name": f"Bench reader {n}"}
        )
        if created:
            Membership.objects.create(user=user, organisation=inspectorate, role=Role.INSPECTOR)
        return user

    lead = reader(0)
    inspection = make_inspection(lead=lead, title=TITLE)
    activity = inspection.activity
    try:
        make_population(inspection, size=RECORDS + 20)
        sample = make_sample(inspection, size=RECORDS)
        readers = []
        for n in range(1, READERS + 1):
            user = reader(n)
            assign(user, "inspector", inspection)
            readers.append(user)
        version = activity.reading_instrument
        records = list(sample.records.filter(role=SampleRecord.Role.SAMPLED))
        Reading.objects.bulk_create(
            Reading(sample_record=r, reader=readers[i % READERS], instrument_version=version)
            for i, r in enumerate(records)
        )
        queues = {
            user.pk: list(
                Reading.objects.filter(reader=user, sample_record__sample=sample).values_list(
                    "pk", flat=True
                )
            )
            for user in readers
        }
        page_times: list[float] = []
        save_times: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        start_gate = threading.Barrier(READERS)
        stop_at = [0.0]

        def work(user: User, offset: float) -> None:
            client = Client()
            login(client, user)
            rng = random.Random(user.pk)
            readings = queues[user.pk]
            start_gate.wait()
            time.sleep(offset)  # readers do not all save at the same instant
            tick = 0
            try:
                while time.monotonic() < stop_at[0]:
                    begun = time.monotonic()
                    reading = readings[tick % len(readings)]
                    section = 1 + tick % 14
                    page_url = reverse("inspections:reading_update", kwargs={"pk": reading})
                    t0 = time.perf_counter()
                    response = client.get(f"{page_url}?section={section}")
                    page_ms = (time.perf_counter() - t0) * 1000
                    code, values = ANSWERS[tick % len(ANSWERS)]
                    body = {
                        "question": code,
                        "value": rng.choice(values),
                        "based_on_version": None,
                        "client_save_id": str(uuid.uuid4()),
                    }
                    t0 = time.perf_counter()
                    saved = client.post(
                        reverse("inspections:answer_save", kwargs={"pk": reading}),
                        data=json.dumps(body),
                        content_type="application/json",
                        headers={"X-Requested-With": "fetch"},
                    )
                    save_ms = (time.perf_counter() - t0) * 1000
                    with lock:
                        page_times.append(page_ms)
                        save_times.append(save_ms)
                        if response.status_code != 200 or saved.status_code != 200:
                            failures.append(f"{response.status_code}/{saved.status_code}")
                    tick += 1
                    time.sleep(max(0.0, INTERVAL - (time.monotonic() - begun)))
            finally:
                connection.close()

        stop_at[0] = time.monotonic() + seconds + 2
        threads = [
            threading.Thread(target=work, args=(user, i * INTERVAL / READERS))
            for i, user in enumerate(readers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        Reading.objects.filter(sample_record__sample__activity=activity).delete()
        for sample in Sample.objects.filter(activity=activity):
            sample.records.all().delete()
            sample.delete()
        population = getattr(ScrutinyActivity.objects.get(pk=activity.pk), "population", None)
        if population is not None:
            population.records.all().delete()
            population.delete()
        for assignment in activity_assignments(activity):
            assignment.delete()
        inspection.qis.all().delete()
        inspection.delete()
        activity.delete()

    database = connection.vendor
    note = (
        f"{database}; {READERS} readers, one save every {INTERVAL:.0f} s each, {seconds:.0f} s; "
        f"{len(failures)} failed"
    )
    return [
        Row(
            "reading: record page GET",
            statistics.median(page_times),
            percentile(page_times, 0.95),
            len(page_times),
            note,
        ),
        Row(
            "reading: autosave POST",
            statistics.median(save_times),
            percentile(save_times, 0.95),
            len(save_times),
            note,
        ),
    ]


def activity_assignments(activity):
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Assignment

    return Assignment.objects.filter(
        target_type=ContentType.objects.get_for_model(activity), target_id=activity.pk
    )
