"""`python -m benchmarks overview`: the national overview report on the national demo data.

Needs the data that `manage.py generate_demo_data --scale national` makes, in the database that
DATABASE_URL names (PostgreSQL). Leave REDIS_URL unset: the render then runs in this process.

- **Figures**: `overview_content` for the whole period the data covers (every computed figure
  of the report, from the dashboard's summaries and the grade, partnership, review and
  feedback tables); three runs after one warm-up.
- **Request and render**: `overview_request` (figure register built and frozen, document asked
  for) with the render done in-process, as a worker would; three runs, each on a new report so
  each makes a new document.
"""

import datetime as dt
import shutil
import tempfile
import time

from benchmarks.common import Row, percentile


def _row(name: str, samples: list[float], note: str = "") -> Row:
    import statistics

    return Row(name, statistics.median(samples), percentile(samples, 0.95), len(samples), note)


def run() -> list[Row]:
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Max, Min
    from django.test import override_settings

    from inspections.models import Inspection, ScrutinyActivity
    from reports.models import Document
    from reports.overview.selectors import overview_content
    from reports.overview.services import overview_create, overview_request

    if not ScrutinyActivity.objects.filter(title__endswith="(demo data)").exists():
        return [Row("overview report", 0, 0, 0, "no demo data: run generate_demo_data first")]
    if settings.REDIS_URL:
        return [Row("overview report", 0, 0, 0, "unset REDIS_URL to render in-process")]
    span = Inspection.objects.aggregate(start=Min("period_start"), end=Max("period_end"))
    start, end = span["start"], span["end"] or dt.date.today()

    overview_content(start=start, end=end)  # warm: imports, bands, summaries
    figures = []
    for _ in range(3):
        t0 = time.perf_counter()
        overview_content(start=start, end=end)
        figures.append((time.perf_counter() - t0) * 1000)
    rows = [_row("overview report: every figure for the period", figures, f"{start} to {end}")]

    media_root = tempfile.mkdtemp(prefix="bench-overview-")
    renders, pages = [], 0
    try:
        with override_settings(MEDIA_ROOT=media_root):
            for i in range(4):
                report = overview_create(
                    title=f"Benchmark overview {time.time_ns()}",
                    period_start=start,
                    period_end=end,
                    by=None,
                )
                t0 = time.perf_counter()
                with transaction.atomic():
                    document = overview_request(report=report, by=None)
                elapsed = (time.perf_counter() - t0) * 1000
                document = Document.objects.get(pk=document.pk)
                assert document.state == Document.State.READY, document.failure_reason
                pages = document.page_count or 0
                if i:  # the first is the warm-up (WeasyPrint's imports and fonts)
                    renders.append(elapsed)
    finally:
        shutil.rmtree(media_root, ignore_errors=True)
    rows.append(_row("overview report: register, request and render", renders, f"{pages} pages"))
    return rows
