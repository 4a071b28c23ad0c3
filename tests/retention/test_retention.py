"""Retention of record-level data (issue 9, ADR 0011): the dry run, deletion after the notice
period, what is kept, the "deleted under the retention policy" notices, failures, access and
the management command.

The data set: West Dunbartonshire published 800 days ago (due), Inverclyde published 100 days
ago (not due) and Glasgow never published (never due); each with a population of 30, a sample
of 10, six first readings answering court report quality, a moderated answer, an autosave
receipt, an interview and an agreed grade.
"""

import datetime as dt
import io
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.models import AuditEvent
from inspections.models import (
    Answer,
    AnswerSave,
    Evaluation,
    Interview,
    InterviewAnswer,
    ModeratedAnswer,
    Population,
    PopulationRecord,
    Reading,
    ReportVersion,
    Sample,
    SampleRecord,
    ScrutinyActivity,
)
from qi_framework.models import QualityIndicator, Question
from reports.dashboards.measures import MEASURE_BY_CODE
from reports.dashboards.summaries import summaries_refresh, summary_bump
from reports.figure_register import (
    ComputedFigure,
    figure_register_create,
    figure_register_freeze,
)
from reports.models import ActivitySummary, Document, FigureRegister, RegisteredFigure
from retention import services
from retention.models import RetentionRun
from retention.selectors import KIND_INSPECTION, KIND_REVIEW_AREA, retention_due
from tests.factories import login, person
from tests.inspections.factories import assign, make_inspection, make_population, make_sample

pytestmark = pytest.mark.django_db

QUALITY = [6, 5, 4, 2, 1, 5]  # court report quality of the first six sampled records
FIGURE = "1.1-cjswr-good"
DASHBOARD = "/documents/dashboard/"


def build(authority: str):
    inspection = make_inspection(authority)
    make_population(inspection, size=30)
    sample = make_sample(inspection, size=10, reserve=5)
    records = list(
        sample.records.filter(role=SampleRecord.Role.SAMPLED)
        .select_related("record")
        .order_by("record__reference")
    )
    reader = assign(person(Role.INSPECTOR), "inspector", inspection)
    activity = inspection.activity
    quality = Question.objects.get(version=activity.reading_instrument, code="cjswr_quality")
    for record, value in zip(records, QUALITY, strict=False):
        reading = Reading.objects.create(
            sample_record=record, reader=reader, instrument_version=activity.reading_instrument
        )
        answer = Answer(reading=reading, updated_by=reader)
        answer.set_value(quality, value)
        answer.save()
    AnswerSave.objects.create(client_save_id=uuid.uuid4(), answer=answer, version=1)
    moderated = ModeratedAnswer(sample_record=records[0], moderated_by=inspection.lead, reason="x")
    moderated.set_value(quality, 3)
    moderated.save()
    question = Question.objects.filter(
        version=activity.interview_instrument, kind=Question.Kind.YES_NO_NA
    ).first()
    interview = Interview.objects.create(
        activity=activity,
        instrument_version=activity.interview_instrument,
        pseudonym="P1",
        date=dt.date(2019, 11, 20),
        interviewer=reader,
    )
    interview_answer = InterviewAnswer(interview=interview)
    interview_answer.set_value(question, "yes")
    interview_answer.save()
    Evaluation.objects.create(
        inspection=inspection,
        quality_indicator=QualityIndicator.objects.get(framework=activity.framework, code="1.1"),
        grade=4,
    )
    inspection.records = records
    return inspection


def publish(inspection, *, days_ago: int) -> ReportVersion:
    """A published version with its document and frozen figure register, as publishing leaves."""
    version = ReportVersion.objects.create(
        inspection=inspection,
        number=1,
        status=ReportVersion.Status.PUBLISHED,
        content={"title": inspection.title},
        published_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    document = Document.objects.create(
        kind="inspection_report",
        subject_type=ContentType.objects.get_for_model(version),
        subject_id=version.pk,
        version=1,
        title=f"{inspection.title} report",
        state=Document.State.READY,
        file="documents/retention-test.pdf",
        sha256="0" * 64,
        size=10,
        page_count=1,
    )
    good = [r for r, q in zip(inspection.records, QUALITY, strict=False) if q >= 4]
    register = figure_register_create(
        subject=version,
        label=f"{inspection.title}: report, version 1",
        figures=[
            ComputedFigure(
                code=FIGURE,
                section="1.1 Improvements in people's lives",
                definition="Court reports rated good or better, of those read",
                numerator=len(good),
                denominator=len(QUALITY),
                words="most court reports",
                records=tuple((r.pk, r.record.reference) for r in good),
                records_url=reverse(
                    "inspections:evidence_figure_records",
                    kwargs={"pk": inspection.pk, "figure_code": FIGURE},
                ),
            )
        ],
        document=document,
    )
    register = figure_register_freeze(register=register, by=None)
    version.document = document
    version.figure_register = register
    version.save(update_fields=["document", "figure_register"])
    return version


@pytest.fixture
def world(reference_data):
    old = build("west-dunbartonshire")
    old.version = publish(old, days_ago=800)
    recent = build("inverclyde")
    recent.version = publish(recent, days_ago=100)
    unpublished = build("glasgow-city")
    return {"old": old, "recent": recent, "unpublished": unpublished}


@pytest.fixture
def manager(client, reference_data):
    user = person(Role.MANAGER)
    login(client, user)
    return user


def rows(activity_id: int) -> dict[str, int]:
    return {
        "readings": Reading.objects.filter(sample_record__sample__activity_id=activity_id).count(),
        "answers": Answer.objects.filter(
            reading__sample_record__sample__activity_id=activity_id
        ).count(),
        "answer_saves": AnswerSave.objects.filter(
            answer__reading__sample_record__sample__activity_id=activity_id
        ).count(),
        "moderated": ModeratedAnswer.objects.filter(
            sample_record__sample__activity_id=activity_id
        ).count(),
        "sample_records": SampleRecord.objects.filter(sample__activity_id=activity_id).count(),
        "population": PopulationRecord.objects.filter(population__activity_id=activity_id).count(),
        "interviews": Interview.objects.filter(activity_id=activity_id).count(),
        "interview_answers": InterviewAnswer.objects.filter(
            interview__activity_id=activity_id
        ).count(),
    }


FULL = {
    "readings": 6,
    "answers": 6,
    "answer_saves": 1,
    "moderated": 1,
    "sample_records": 15,
    "population": 30,
    "interviews": 1,
    "interview_answers": 1,
}
EMPTY = dict.fromkeys(FULL, 0)


def age(run: RetentionRun, days: int) -> None:
    RetentionRun.objects.filter(pk=run.pk).update(
        started_at=run.started_at - dt.timedelta(days=days)
    )


def headline(client, authority_id=None):
    """The dashboard's court report quality figure: (good or better, rated)."""
    response = client.get(DASHBOARD, {"authority": authority_id} if authority_id else {})
    section = next(s for s in response.context["sections"] if s.key == "readings")
    label = MEASURE_BY_CODE["court-report-quality"].label
    row = next(r for r in section.table("readings-headline").rows if r[0].value == label)
    return row[1].value, row[2].value


def deleted_text(activity: ScrutinyActivity) -> str:
    activity.refresh_from_db()
    day = timezone.localdate(activity.record_data_deleted_at)
    return f"record-level data deleted on {day.day} {day:%B %Y} under the retention policy"


# --- What is due --------------------------------------------------------------------------------


def test_only_work_published_longer_ago_than_the_period_is_due(world, settings):
    due = retention_due()
    assert [(d.activity.pk, d.kind) for d in due] == [(world["old"].activity_id, KIND_INSPECTION)]
    assert due[0].published_on == timezone.localdate() - dt.timedelta(days=800)
    settings.RECORD_RETENTION_DAYS = 50
    assert {d.activity.pk for d in retention_due()} == {
        world["old"].activity_id,
        world["recent"].activity_id,
    }


def test_a_correction_does_not_restart_the_clock(world):
    """Due from the first publication: a later corrected version does not keep data longer."""
    old = world["old"]
    ReportVersion.objects.filter(pk=old.version.pk).update(status=ReportVersion.Status.SUPERSEDED)
    ReportVersion.objects.create(
        inspection=old,
        number=2,
        status=ReportVersion.Status.PUBLISHED,
        content={"title": old.title},
        reason="Corrected a figure",
        published_at=timezone.now() - dt.timedelta(days=10),
    )
    assert [d.activity.pk for d in retention_due()] == [old.activity_id]


def test_review_areas_are_due_after_the_review_is_published(reference_data):
    from tests.throughcare.factories import make_area, make_review

    review = make_review(authorities=())
    area = make_area(review, "glasgow-city")
    assert retention_due() == []
    type(review).objects.filter(pk=review.pk).update(
        published_on=timezone.localdate() - dt.timedelta(days=731)
    )
    due = retention_due()
    assert [(d.activity.pk, d.kind) for d in due] == [(area.activity_id, KIND_REVIEW_AREA)]


# --- The dry run --------------------------------------------------------------------------------


def test_the_dry_run_lists_what_is_due_deletes_nothing_and_is_audited(world):
    before = {key: rows(i.activity_id) for key, i in world.items()}
    run = services.retention_dry_run()
    assert run.dry_run and run.outcome == RetentionRun.Outcome.COMPLETED
    assert run.report["activity_ids"] == [world["old"].activity_id]
    entry = run.activities[0]
    assert entry["title"] == world["old"].title
    assert entry["authority"] == "West Dunbartonshire"
    assert entry["counts"]["answers"] == 6
    assert entry["counts"]["population_records"] == 30
    assert entry["counts"]["interview_answers"] == 1
    assert run.totals["readings"] == 6
    assert {key: rows(i.activity_id) for key, i in world.items()} == before
    event = AuditEvent.objects.get(action="retention_dry_run")
    assert event.object_id == str(run.pk)
    assert event.actor_label == services.SCHEDULED


# --- Deletion -----------------------------------------------------------------------------------


def test_nothing_is_deleted_before_the_notice_period(world):
    services.retention_dry_run()
    run = services.retention_delete()
    assert rows(world["old"].activity_id) == FULL
    assert run.activities[0]["status"] == services.STATUS_WAITING
    assert run.report["activity_ids"] == []
    # Nor without any dry run at all.
    RetentionRun.objects.all().delete()
    services.retention_delete()
    assert rows(world["old"].activity_id) == FULL


def test_deletion_after_the_notice_period_removes_only_the_due_activity(client, manager, world):
    old, recent, unpublished = world["old"], world["recent"], world["unpublished"]
    figure_before = headline(client)
    old_figure_before = headline(client, old.activity.authority_id)
    assert old_figure_before == (3, 6)  # moderated 3 replaces the first reading's 6
    age(services.retention_dry_run(), days=8)

    run = services.retention_delete()

    assert run.outcome == RetentionRun.Outcome.COMPLETED
    assert run.report["activity_ids"] == [old.activity_id]
    assert rows(old.activity_id) == EMPTY
    assert rows(recent.activity_id) == FULL
    assert rows(unpublished.activity_id) == FULL
    # Kept: the inspection, its grades, report version, document, frozen register, totals.
    assert Evaluation.objects.filter(inspection=old, grade=4).exists()
    assert ReportVersion.objects.filter(pk=old.version.pk, status="published").exists()
    assert Document.objects.filter(pk=old.version.document_id).exists()
    register = FigureRegister.objects.get(pk=old.version.figure_register_id)
    assert register.is_frozen
    figure = RegisteredFigure.objects.get(register=register)
    assert len(figure.records) == 4 and figure.records[0]["reference"].startswith("WD-")
    assert Population.objects.get(activity=old.activity).row_count == 30
    assert Sample.objects.get(activity=old.activity).size == 10
    old.activity.refresh_from_db()
    assert old.activity.record_data_deleted_at is not None
    assert old.activity.record_data_deleted_by_run == run
    # The dashboard's figures are the same as before, now and after a later bump.
    assert headline(client) == figure_before
    assert headline(client, old.activity.authority_id) == old_figure_before
    summary_bump(activity_id=old.activity_id)
    summaries_refresh(activity_ids=[old.activity_id])
    assert headline(client, old.activity.authority_id) == old_figure_before
    assert ActivitySummary.objects.get(activity=old.activity).counts.exists()
    # Audited: the activity with its counts, and the run.
    event = AuditEvent.objects.get(action="retention_deleted")
    assert event.object_id == str(old.activity_id)
    assert event.new_value["counts"]["answers"] == 6
    assert AuditEvent.objects.filter(action="retention_run", object_id=str(run.pk)).exists()
    # Nothing is deleted twice.
    assert retention_due() == []


def test_a_failing_activity_is_kept_whole_and_the_others_are_deleted(world, monkeypatch):
    second = build("east-dunbartonshire")
    publish(second, days_ago=900)
    age(services.retention_dry_run(), days=8)
    real = services._delete_population_file

    def fail_for_second(activity):
        real(activity)
        if activity.pk == second.activity_id:
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_delete_population_file", fail_for_second)

    run = services.retention_delete()

    assert run.outcome == RetentionRun.Outcome.PARTIAL
    assert rows(second.activity_id) == FULL
    assert rows(world["old"].activity_id) == EMPTY
    second.activity.refresh_from_db()
    assert second.activity.record_data_deleted_at is None
    failed = next(e for e in run.activities if e["activity"] == second.activity_id)
    assert failed["status"] == services.STATUS_FAILED
    assert failed["error"] == services.RETENTION_ACTIVITY_FAILED
    assert "disk on fire" not in run.error
    # The next run tries it again.
    monkeypatch.setattr(services, "_delete_population_file", real)
    services.retention_delete()
    assert rows(second.activity_id) == EMPTY


def test_the_scheduled_task_runs_a_dry_run_then_deletes_what_was_listed(world):
    from retention.tasks import retention_run

    first = retention_run()
    assert rows(world["old"].activity_id) == FULL  # listed today: waits for the notice period
    age(RetentionRun.objects.get(pk=first["dry_run"]), days=8)
    result = retention_run()
    assert result["deleted"] == 1
    assert rows(world["old"].activity_id) == EMPTY


# --- What pages say afterwards ------------------------------------------------------------------


@pytest.fixture
def deleted(world):
    age(services.retention_dry_run(), days=8)
    services.retention_delete()
    return world


def test_the_dashboard_records_page_links_to_the_frozen_register(client, manager, deleted):
    old = deleted["old"]
    url = reverse("reports:dashboard_records", args=["measure", "court-report-quality"])
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{old.title}: {deleted_text(old.activity)}" in text
    register_url = reverse("reports:figure_register_detail", args=[old.version.figure_register_id])
    assert register_url in text
    assert "See the frozen figure register" in text
    # The count of listed records says it leaves out the records that are gone.
    assert "among the records that can still be listed" in text
    assert deleted["recent"].title not in text.split('data-testid="retention-notices"')[1][:2000]


def test_the_register_page_shows_the_message_instead_of_the_records_link(client, manager, deleted):
    old = deleted["old"]
    url = reverse("reports:figure_register_detail", args=[old.version.figure_register_id])
    text = client.get(url).content.decode()
    assert f"Records: {deleted_text(old.activity)}" in text
    records_url = reverse("inspections:evidence_figure_records", args=[old.pk, FIGURE])
    assert f'href="{records_url}"' not in text
    assert "WD-" in text  # the references it copied are still listed
    # A register whose records still exist links to them.
    recent = deleted["recent"]
    url = reverse("reports:figure_register_detail", args=[recent.version.figure_register_id])
    text = client.get(url).content.decode()
    records_url = reverse("inspections:evidence_figure_records", args=[recent.pk, FIGURE])
    assert f'href="{records_url}"' in text and "under the retention policy" not in text


def test_the_pages_behind_a_figure_say_the_data_was_deleted(client, deleted):
    old = deleted["old"]
    login(client, assign(old.lead, "inspector", old))
    day = timezone.localdate(
        ScrutinyActivity.objects.get(pk=old.activity_id).record_data_deleted_at
    )
    message = (
        f"Record-level data for this inspection was deleted on {day.day} {day:%B %Y} under "
        "the retention policy."
    )
    register_url = reverse("reports:figure_register_detail", args=[old.version.figure_register_id])
    for url in (
        reverse("inspections:evidence_figure_records", args=[old.pk, FIGURE]),
        reverse("inspections:population_detail", args=[old.pk]),
        reverse("inspections:reading_queue", args=[old.pk]),
        reverse("inspections:interview_list", args=[old.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert message in text, url
        assert register_url in text, url
    # The same pages of an inspection whose data is kept are unchanged.
    recent = deleted["recent"]
    login(client, recent.lead)
    response = client.get(reverse("inspections:population_detail", args=[recent.pk]))
    assert response.status_code == 200
    assert "under the retention policy" not in response.content.decode()


def test_review_pages_say_the_data_was_deleted(client, manager, reference_data):
    from tests.throughcare.factories import make_area, make_review

    review = make_review(authorities=())
    area = make_area(review, "glasgow-city")
    ScrutinyActivity.objects.filter(pk=area.activity_id).update(
        record_data_deleted_at=timezone.now()
    )
    response = client.get(reverse("throughcare:triangulation_records", args=[review.pk, "x"]))
    assert response.status_code == 200
    assert "Record-level data for this review was deleted on" in response.content.decode()


# --- The managers' pages and the command --------------------------------------------------------


def test_managers_see_the_runs_and_their_reports(client, manager, world):
    run = services.retention_dry_run(by=manager)
    response = client.get(reverse("retention:run_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert world["old"].title in text  # due now
    assert reverse("retention:run_detail", args=[run.pk]) in text
    assert 'href="/retention/"' in text  # in the navigation
    detail = client.get(reverse("retention:run_detail", args=[run.pk])).content.decode()
    assert world["old"].title in detail
    assert "Would be deleted" in detail
    assert "Reading answers: 6" in detail


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.AUTHORITY_CONTACT])
def test_others_may_not_see_the_retention_pages(client, reference_data, role):
    run = services.retention_dry_run()
    user = person(role)
    login(client, user)
    assert client.get(reverse("retention:run_list")).status_code == 403
    assert client.get(reverse("retention:run_detail", args=[run.pk])).status_code == 403
    assert 'href="/retention/"' not in client.get("/").content.decode()


def test_the_command_dry_run_prints_the_report(world):
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Dry run" in text
    assert world["old"].title in text
    assert "reading answers 6" in text
    assert "Totals:" in text
    assert rows(world["old"].activity_id) == FULL
    assert RetentionRun.objects.filter(dry_run=True).count() == 1


def test_the_uploaded_population_file_goes_with_the_rows(world, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from core.models import StoredFile

    old = world["old"]
    stored = StoredFile(
        purpose="population",
        original_name="population.csv",
        safe_name="population.csv",
        kind="csv",
        content_type="text/csv",
        size=9,
        sha256="0" * 64,
        uploaded_by=old.lead,
    )
    stored.file.save("population.csv", ContentFile(b"ref,order\n"), save=False)
    stored.save()
    Population.objects.filter(activity=old.activity).update(source_file=stored)
    name, storage = stored.file.name, stored.file.storage
    assert storage.exists(name)
    age(services.retention_dry_run(), days=8)
    assert services.retention_dry_run().activities[0]["counts"]["population_files"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.retention_delete()

    assert not StoredFile.objects.filter(pk=stored.pk).exists()
    assert not storage.exists(name)
    assert Population.objects.get(activity=old.activity).source_file is None


def test_the_inspection_page_says_its_record_level_steps_were_deleted(client, manager, deleted):
    old, recent = deleted["old"], deleted["recent"]
    text = client.get(reverse("inspections:inspection_detail", args=[old.pk])).content.decode()
    message = deleted_text(old.activity)
    assert message[:1].upper() + message[1:] in text
    assert text.count("Record-level data deleted on") == 6  # population to interviews
    # An inspection whose records are kept shows its steps as before.
    text = client.get(reverse("inspections:inspection_detail", args=[recent.pk])).content.decode()
    assert "Record-level data deleted on" not in text


def test_no_interview_can_be_recorded_once_the_record_level_data_is_deleted(deleted, manager):
    from core.exceptions import ApplicationError
    from inspections.services.interviews import INTERVIEW_RECORDS_DELETED, interview_record

    old = deleted["old"]
    with pytest.raises(ApplicationError) as refused:
        interview_record(activity=old.activity, date=dt.date.today(), answers={}, by=manager)
    assert refused.value.message == INTERVIEW_RECORDS_DELETED
    assert not Interview.objects.filter(activity=old.activity).exists()


def test_the_overview_report_counts_deleted_inspections_from_their_frozen_register(world):
    """Records read and people interviewed stay what the published report said."""
    from inspections.selectors.evidence import inspection_figures
    from reports.overview.selectors import overview_figures

    old = world["old"]
    Reading.objects.filter(sample_record__sample__activity=old.activity).update(
        status=Reading.Status.SUBMITTED
    )
    computed = {f.code: f for group in inspection_figures(inspection=old).values() for f in group}
    for position, code in enumerate(["M-records", "M-interviews"], start=10):
        figure = computed[code]
        RegisteredFigure.objects.create(  # as publishing registers every figure of the report
            register=old.version.figure_register,
            code=code,
            definition=figure.definition,
            numerator=figure.numerator,
            denominator=figure.denominator,
            words=figure.words,
            position=position,
        )
    today = timezone.localdate()

    def method_counts():
        figures = {
            f.code: f
            for group in overview_figures(start=today - dt.timedelta(days=2000), end=today).values()
            for f in group
        }
        return (
            figures["INS-records-read"].numerator,
            figures["INS-people-interviewed"].numerator,
        )

    before = method_counts()
    assert before[0] >= len(QUALITY) and before[1] >= 1  # the old inspection's are counted
    age(services.retention_dry_run(), days=8)
    services.retention_delete()
    assert rows(old.activity_id)["readings"] == 0
    assert method_counts() == before
