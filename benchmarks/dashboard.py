"""The managers' dashboard at national scale: warm p50/p95, the first view after new data,
and the raw-SQL floor that computes the same numbers (issue 8, ADR 0009).

Needs the national demo data in the database DATABASE_URL names (PostgreSQL):

    DATABASE_URL=postgres://…/justice python manage.py generate_demo_data --scale national
    DATABASE_URL=postgres://…/justice python -m benchmarks.dashboard

- **Warm**: BENCH_DASHBOARD_REQUESTS (default 60) GETs of the whole dashboard page by a manager
  (Django test client, in-process: server time, no network), summaries up to date.
- **First view after new data**: an answer is changed through inspections' answer_store (as
  autosave does: the signal bumps its activity's summary), then the page is timed once; five
  times over, on five activities.
- **Raw SQL floor**: one pass of SQL computing the same record-reading counts (the answer that
  counts per record, by authority, question and value, and the quality × timeliness pairs)
  straight from the 1.5 million answers, with no summary; five runs.
The script checks that the raw SQL and the dashboard's summaries give the same national counts,
and restores every answer it changed.
"""

import os
import statistics
import sys
import time
from collections import Counter

from benchmarks.common import Row, percentile, print_table, setup_django

REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "60"))
CHANGES = 5
MANAGER_EMAIL = "benchmark-manager@national.demo.test"

RAW_COUNTS = """
WITH q AS (
    SELECT id, code FROM qi_framework_question WHERE code = ANY(%s)
), counted AS (
    SELECT sr.id AS record_id, act.authority_id
    FROM inspections_samplerecord sr
    JOIN inspections_sample s ON s.id = sr.sample_id
    JOIN inspections_scrutinyactivity act ON act.id = s.activity_id
    WHERE sr.role = 'sampled' AND sr.status = 'active'
), first AS (
    SELECT r.sample_record_id AS record_id, q.code,
           COALESCE(NULLIF(a.value_code, ''), trunc(a.value_number)::int::text) AS value
    FROM inspections_answer a
    JOIN q ON q.id = a.question_id
    JOIN inspections_reading r ON r.id = a.reading_id AND r."order" = 1
), moderated AS (
    SELECT m.sample_record_id AS record_id, q.code,
           COALESCE(NULLIF(m.value_code, ''), trunc(m.value_number)::int::text) AS value
    FROM inspections_moderatedanswer m
    JOIN q ON q.id = m.question_id
), counts AS MATERIALIZED (
    SELECT c.authority_id, c.record_id, f.code, COALESCE(m.value, f.value) AS value
    FROM counted c
    JOIN first f ON f.record_id = c.record_id
    LEFT JOIN moderated m ON m.record_id = f.record_id AND m.code = f.code
    WHERE COALESCE(m.value, f.value) <> ''
), pairs AS (
    SELECT counts.authority_id, x.code,
           max(counts.value) FILTER (WHERE counts.code = x.rating) AS rating,
           max(counts.value) FILTER (WHERE counts.code = x.timeliness) AS timeliness
    FROM counts
    JOIN (VALUES %s) AS x(code, rating, timeliness)
      ON counts.code IN (x.rating, x.timeliness)
    GROUP BY counts.authority_id, counts.record_id, x.code
)
SELECT 'single' AS part, authority_id, code, value, '' AS value2, count(*)
FROM counts GROUP BY authority_id, code, value
UNION ALL
SELECT 'pair', authority_id, code, rating, timeliness, count(*)
FROM pairs WHERE rating IS NOT NULL AND timeliness IS NOT NULL
GROUP BY authority_id, code, rating, timeliness
"""


def _manager():
    from accounts.models import Membership, Organisation, Role, User

    user, created = User.objects.get_or_create(
        email=MANAGER_EMAIL, defaults={"name": "Benchmark manager"}
    )
    if created:
        user.set_unusable_password()
        user.save()
        Membership.objects.create(
            user=user,
            organisation=Organisation.objects.get(slug="care-inspectorate"),
            role=Role.MANAGER,
        )
    return user


def raw_counts() -> Counter:
    """Return (key, value, value2) → national count, computed from the answers by SQL."""
    from django.db import connection

    from reports.dashboards.measures import CROSSTABS, QUESTION_CODES

    pairs = ", ".join("(%s, %s, %s)" for _ in CROSSTABS)
    params: list = [list(QUESTION_CODES)]
    sql = RAW_COUNTS.replace("VALUES %s", f"VALUES {pairs}")
    for c in CROSSTABS:
        params.extend([c.code, c.rating, c.timeliness])
    counts: Counter = Counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for part, _authority, code, value, value2, n in cursor.fetchall():
            counts[(code, value, value2 if part == "pair" else "")] += n
    return counts


def summary_counts() -> Counter:
    from django.db.models import Sum

    from reports.models import SummaryCount

    return Counter(
        {
            (row["key"], row["value"], row["value2"]): row["n"]
            for row in SummaryCount.objects.values("key", "value", "value2").annotate(
                n=Sum("count")
            )
        }
    )


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run() -> list[Row]:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client

    from inspections.models import Answer, Reading, ScrutinyActivity
    from inspections.services.readings import answer_store
    from qi_framework.models import Question
    from tests.factories import login

    if not ScrutinyActivity.objects.filter(title__endswith="(demo data)").exists():
        return [Row("dashboard", 0, 0, 0, "no demo data: run generate_demo_data first")]
    answers = Answer.objects.count()
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    login(client, _manager())
    url = "/documents/dashboard/"

    def get():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    get()  # bring every summary up to date
    warm = [_timed(get) for _ in range(REQUESTS)]

    # First view after new data: change one rating answer in one activity, then view.
    quality = list(Question.objects.filter(code="cjswr_quality"))
    changed = list(
        Answer.objects.filter(question__in=quality, reading__order=Reading.Order.FIRST)
        .select_related("reading", "question", "updated_by")
        .order_by("reading__sample_record__sample__activity_id")
        .distinct("reading__sample_record__sample__activity_id")[:CHANGES]
    )
    first_views = []

    def store(item, value):
        with transaction.atomic():
            answer_store(
                reading=item.reading,
                question=item.question,
                value=value,
                based_on_version=item.version,
                by=item.updated_by,
            )

    for item in changed:
        old = item.value
        store(item, 7 - old)
        first_views.append(_timed(get))
        item.refresh_from_db()
        store(item, old)
    get()

    floor = [_timed(raw_counts) for _ in range(5)]
    agree = raw_counts() == summary_counts()
    ratio = statistics.median(first_views) / statistics.median(floor)
    load = os.getloadavg()[0]
    note = f"{answers:,} answers on {connection.vendor}, load average {load:.1f}"
    return [
        Row(
            "dashboard: warm page", statistics.median(warm), percentile(warm, 0.95), len(warm), note
        ),
        Row(
            "dashboard: first view after new data",
            statistics.median(first_views),
            max(first_views),
            len(first_views),
            f"{ratio:.2f}× the raw SQL floor (p95 column: the slowest)",
        ),
        Row(
            "dashboard: raw SQL floor (same numbers)",
            statistics.median(floor),
            percentile(floor, 0.95),
            len(floor),
            "summaries and raw SQL agree" if agree else "MISMATCH with the summaries",
        ),
    ]


def main() -> None:
    setup_django()
    print_table(run())


if __name__ == "__main__":
    sys.exit(main())
