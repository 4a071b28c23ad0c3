"""The inspection report: snapshot, render against WeasyPrint alone, and the request for a PDF.

An inspection of about 100 sampled records (from a population of 700), each with a submitted
first reading answering every six-point rating and yes/no question of the reading tool, five
agreed grades, written sections with figure tokens, and a draft report version whose content is
`report_snapshot`.

- "report snapshot": inspections.selectors.report.report_snapshot, the live data frozen for a
  version (figures, sections, evaluations, rating distributions), median of N.
- "report render (warm process)": reports.services.document_render for a queued report, as a
  warm worker runs it (claim, template, WeasyPrint, file, row); "WeasyPrint alone (floor)":
  reports.rendering.render_pdf on the same HTML. The two alternate, so load affects both.
- With REDIS_URL: "ask for a report (enqueue to Redis)", reports.services.document_request for
  a new version in a committed transaction (creates the row, sends the message to Redis on
  commit), with no worker consuming; and "ask → ready via a warm worker", a real worker process.

Run: DATABASE_URL=postgres://… REDIS_URL=redis://… python -m benchmarks report
"""

import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, percentile, render_against_floor

POPULATION = 700
SAMPLE = 100
N_SNAPSHOT = 5
N_RENDER = 5
N_REQUEST = 30
GRADES = {"1.1": 3, "2.1": 4, "5.2": 2, "5.3": 3, "9.4": 4}


def _row(name: str, samples: list[float], note: str = "") -> Row:
    return Row(name, statistics.median(samples), percentile(samples, 0.95), len(samples), note)


def _build():
    """Make the inspection and its data; return (inspection, lead)."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Membership, Organisation, Role, User
    from accounts.services import assignment_create
    from inspections import services
    from inspections.models import (
        Answer,
        Inspection,
        InspectionQI,
        Population,
        PopulationRecord,
        Reading,
        ReportSection,
        Sample,
        SampleRecord,
        ScrutinyActivity,
    )
    from inspections.sampling import ALGORITHM_VERSION
    from inspections.selectors.evidence import inspection_figures
    from qi_framework.instruments import instrument_version_current
    from qi_framework.models import QualityIndicator, Question, ScrutinyKind
    from qi_framework.selectors import framework_current, scope_for

    rng = random.Random(20261126)
    framework = framework_current()
    authority = Organisation.objects.get(slug="inverclyde")
    ci = Organisation.objects.get(slug="care-inspectorate")
    stamp = timezone.now().strftime("%H%M%S%f")
    lead = User.objects.create(email=f"bench-lead-{stamp}@bench.test", name="Bench Lead")
    Membership.objects.create(user=lead, organisation=ci, role=Role.INSPECTOR)
    with transaction.atomic():
        activity = ScrutinyActivity.objects.create(
            title=f"Benchmark inspection {stamp}",
            scrutiny_kind=ScrutinyKind.CPO_INSPECTION,
            authority=authority,
            framework=framework,
            population_schema="cpo",
            reading_instrument=instrument_version_current(code="cpo-file-reading"),
        )
        inspection = Inspection.objects.create(
            activity=activity,
            title=activity.title,
            period_start=dt.date(2017, 11, 1),
            period_end=dt.date(2019, 10, 31),
            fieldwork_start=dt.date(2019, 11, 4),
            fieldwork_end=dt.date(2019, 12, 13),
        )
        for entry in scope_for(framework=framework, scrutiny_kind=ScrutinyKind.CPO_INSPECTION):
            InspectionQI.objects.create(
                inspection=inspection,
                quality_indicator=entry.quality_indicator,
                evaluated=entry.evaluated,
            )
        assignment_create(user=lead, kind="lead_inspector", target=activity)
        population = Population.objects.create(
            activity=activity, schema="cpo", row_count=POPULATION
        )
        records = PopulationRecord.objects.bulk_create(
            PopulationRecord(
                population=population,
                reference=f"B-{i:05d}",
                row_number=i + 2,
                data={"order_type": "supervision"},
            )
            for i in range(POPULATION)
        )
        sample = Sample.objects.create(
            activity=activity,
            seed="bench",
            algorithm_version=ALGORITHM_VERSION,
            calculated_size=SAMPLE,
            size=SAMPLE,
            allocation={"": SAMPLE},
        )
        sampled = SampleRecord.objects.bulk_create(
            SampleRecord(
                sample=sample,
                record=record,
                stratum="supervision",
                rank=i + 1,
                role=SampleRecord.Role.SAMPLED,
            )
            for i, record in enumerate(records[:SAMPLE])
        )
        version = activity.reading_instrument
        readings = Reading.objects.bulk_create(
            Reading(
                sample_record=record,
                reader=lead,
                instrument_version=version,
                status=Reading.Status.SUBMITTED,
                submitted_at=timezone.now(),
            )
            for record in sampled
        )
        questions = list(
            Question.objects.filter(
                version=version, kind__in=[Question.Kind.RATING_6, Question.Kind.YES_NO_NA]
            )
        )
        answers = []
        for reading in readings:
            for question in questions:
                answer = Answer(reading=reading, updated_by=lead)
                if question.kind == Question.Kind.RATING_6:
                    answer.set_value(question, rng.choice([2, 3, 4, 4, 5, 5, 6]))
                else:
                    answer.set_value(question, rng.choice(["yes", "yes", "no", "na"]))
                answers.append(answer)
        Answer.objects.bulk_create(answers)
    for code, grade in GRADES.items():
        services.evaluation_record(
            inspection=inspection,
            quality_indicator=QualityIndicator.objects.get(framework=framework, code=code),
            grade=grade,
            rationale=f"Rationale for {code}.",
            by=lead,
        )
    figures = inspection_figures(inspection=inspection)
    for key, group in [("processes", "5.2"), ("outcomes", "1.1"), ("conduct", "method")]:
        tokens = " ".join(f"[[figure:{f.code}]]" for f in figures.get(group, [])[:5])
        services.report_section_save(
            inspection=inspection,
            key=key,
            body=("We read the records. " * 20) + f"\n\n{tokens}\n\n- One\n- Two",
            by=lead,
        )
    for key in ["introduction", "context", "key_messages", "impact", "leadership"]:
        services.report_section_save(
            inspection=inspection, key=key, body="A paragraph of findings. " * 60, by=lead
        )
    assert ReportSection.objects.filter(inspection=inspection).count() >= 10
    return inspection, lead


def run() -> list[Row]:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings
    from django.test.utils import setup_test_environment

    from accounts.services import organisations_load
    from config.celery import app
    from inspections.models import Inspection, ReportVersion
    from inspections.selectors.report import report_snapshot
    from qi_framework.instruments import instruments_load_all
    from qi_framework.services import framework_load
    from reports.models import Document
    from reports.services import document_request
    from reports.statistics import quantifier_bands_load

    setup_test_environment()
    call_command("migrate", verbosity=0)
    organisations_load()
    framework_load()
    instruments_load_all()
    quantifier_bands_load()
    inspection, lead = _build()
    vendor = connection.vendor
    media_root = tempfile.mkdtemp(prefix="bench-report-")
    rows = []

    snapshots = []
    for _ in range(N_SNAPSHOT):
        start = time.perf_counter()
        content = report_snapshot(inspection=inspection)
        snapshots.append((time.perf_counter() - start) * 1000)
    rows.append(_row("report snapshot (~100 records read)", snapshots, vendor))

    def new_version() -> ReportVersion:
        latest = ReportVersion.objects.filter(inspection=inspection).order_by("-number").first()
        return ReportVersion.objects.create(
            inspection=inspection,
            number=(latest.number if latest else 0) + 1,
            content=content,
            created_by=lead,
        )

    def fresh_document() -> Document:
        return Document.objects.create(
            kind="inspection_report", subject=new_version(), version=1, title="Bench report"
        )

    try:
        with override_settings(MEDIA_ROOT=media_root):
            renders, floors, document = render_against_floor(fresh_document, N_RENDER)
            ratio = statistics.median(renders) / statistics.median(floors)
            rows.append(
                _row("report render (warm process)", renders, f"{document.page_count} pages")
            )
            rows.append(
                _row("WeasyPrint alone on the same HTML (floor)", floors, f"ratio {ratio:.2f}")
            )

            if settings.REDIS_URL and not app.conf.task_always_eager:
                from benchmarks.bench_documents import _purge_documents_queue, _start_worker

                timings = []
                for _ in range(N_REQUEST):
                    version = new_version()
                    start = time.perf_counter()
                    with transaction.atomic():
                        document_request(kind="inspection_report", subject=version, by=lead)
                    timings.append((time.perf_counter() - start) * 1000)
                _purge_documents_queue()
                Document.objects.filter(kind="inspection_report", state="queued").delete()
                rows.append(_row("ask for a report (enqueue to Redis)", timings, vendor))

                # The "Make a draft PDF" button: an empty draft version plus its document (the
                # worker takes the snapshot). Each draft is filled in afterwards, untimed, so the
                # next request makes a new one rather than reusing a draft still waiting.
                from inspections.services.report_versions import report_draft_request

                Inspection.objects.filter(pk=inspection.pk).update(status="reporting")
                inspection.refresh_from_db()
                drafts, made = [], []
                for _ in range(N_REQUEST):
                    start = time.perf_counter()
                    version = report_draft_request(inspection=inspection, by=lead)
                    drafts.append((time.perf_counter() - start) * 1000)
                    ReportVersion.objects.filter(pk=version.pk).update(content=content)
                    made.append(version.pk)
                _purge_documents_queue()
                ReportVersion.objects.filter(pk__in=made).delete()  # drafts may be deleted
                Document.objects.filter(kind="inspection_report", state="queued").delete()
                rows.append(_row("make a draft report (the button's service)", drafts, vendor))

                worker = _start_worker(media_root, Path(media_root) / "worker.log")
                try:
                    trips = []
                    for i in range(N_RENDER + 1):
                        start = time.perf_counter()
                        with transaction.atomic():
                            document = document_request(
                                kind="inspection_report", subject=new_version(), by=lead
                            )
                        while document.state not in {"ready", "failed"}:
                            time.sleep(0.02)
                            document.refresh_from_db()
                        assert document.state == "ready", document.failure_reason
                        if i:
                            trips.append((time.perf_counter() - start) * 1000)
                finally:
                    worker.terminate()
                    worker.wait(timeout=30)
                rows.append(_row("ask → ready via a warm worker (Redis)", trips, "queue pickup"))
            else:
                rows.append(Row("ask for a report", 0, 0, 0, "needs REDIS_URL: not measured"))
    finally:
        shutil.rmtree(media_root, ignore_errors=True)
    return rows
