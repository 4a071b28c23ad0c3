"""The national overview report: its figures for a period against hand-computed values, its
text (audited, revisions), its PDF request and figure register, and who may see it."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import Interview, ReportVersion
from partnerships.models import ExerciseQI
from reports.models import Document, OverviewReport
from reports.overview import services
from reports.overview.documents import DATA_CHANGED, overview_context
from reports.overview.selectors import overview_content, overview_figures
from reports.services import document_html, document_render
from reports.statistics import Finding, quantifier_bands_current, sentence_for
from tests.factories import login, person
from tests.inspections.factories import make_inspection
from tests.inspections.test_feedback_aggregate import give_feedback
from tests.inspections.test_report import agree_grades, build_evidence
from tests.partnerships.conftest import make_setup
from tests.throughcare.factories import make_review
from throughcare.models import ReviewRecommendation

START, END = dt.date(2019, 1, 1), dt.date(2020, 12, 31)


@dataclass(frozen=True)
class Area:
    authority: str
    population: int
    size: int
    ratings: list[int]  # court report quality of each record read, in turn
    grades: dict[str, int]  # agreed evaluations
    interviews: int
    fieldwork: tuple[dt.date, dt.date]


# Inside the period: 10 court reports rated 4, 2, 5, 4, 2, 5, 4, 2, 5, 4 (7 good or better, 3
# weak) and 8 rated 6, 5, 5, 3, 6, 5, 5, 3 (6 good or better, none weak): 13 of 18, 3 of 18.
SMALL = (
    Area(
        "west-dunbartonshire",
        30,
        10,
        [4, 2, 5],
        {"1.1": 2, "2.1": 4},
        3,
        (dt.date(2019, 11, 4), dt.date(2019, 12, 13)),
    ),
    Area(
        "inverclyde",
        20,
        8,
        [6, 5, 5, 3],
        {"1.1": 5, "2.1": 6},
        2,
        (dt.date(2020, 2, 3), dt.date(2020, 3, 6)),
    ),
)
# Outside the period: must count for nothing.
OUTSIDE = Area(
    "aberdeen-city",
    40,
    12,
    [1],
    {"1.1": 1},
    4,
    (dt.date(2023, 5, 1), dt.date(2023, 6, 2)),
)


def make_area_inspection(area: Area):
    inspection = make_inspection(area.authority)
    inspection.fieldwork_start, inspection.fieldwork_end = area.fieldwork
    inspection.save(update_fields=["fieldwork_start", "fieldwork_end"])
    build_evidence(inspection, population=area.population, size=area.size, grades=area.ratings)
    agree_grades(inspection, area.grades)
    for i in range(area.interviews):
        Interview.objects.create(
            activity=inspection.activity,
            instrument_version=inspection.activity.interview_instrument,
            pseudonym=f"P{i + 1}",
            date=area.fieldwork[0],
            interviewer=inspection.lead,
        )
    return inspection


def make_exercise(framework, slug: str, decisions: list[str], published: dt.date):
    """An exercise whose QIs are decided in turn as given, its letter published on a date."""
    setup = make_setup(framework, slug)
    qis = list(setup.exercise.qis.order_by("quality_indicator__position"))
    for qi, decision in zip(qis, decisions, strict=False):
        ExerciseQI.objects.filter(pk=qi.pk).update(grade=4, decision=decision)
    published_at = timezone.make_aware(dt.datetime.combine(published, dt.time(12)))
    type(setup.exercise).objects.filter(pk=setup.exercise.pk).update(published_at=published_at)
    return setup.exercise


def words(figures, code: str) -> str:
    return next(f.words for group in figures.values() for f in group if f.code == code)


def figure(figures, code: str):
    return next(f for group in figures.values() for f in group if f.code == code)


@pytest.fixture
def small(framework):
    inspections = [make_area_inspection(area) for area in (*SMALL, OUTSIDE)]
    V, N = ExerciseQI.Decision.VALIDATED, ExerciseQI.Decision.NOT_VALIDATED
    make_exercise(
        framework,
        "ayrshire-community-justice-partnership",
        [V, V, N],
        dt.date(2020, 6, 1),
    )
    review = make_review(
        "Throughcare review of breach and recall",
        authorities=("glasgow-city",),
        starts_on=dt.date(2020, 6, 1),
        fieldwork_start=dt.date(2020, 9, 1),
        fieldwork_end=dt.date(2020, 10, 30),
    )
    ReviewRecommendation.objects.create(
        review=review, text="Publish national guidance on recall.", owner="Scottish Government"
    )
    return inspections  # the two in the period, then the one outside it


@pytest.fixture
def manager():
    return person(Role.MANAGER)


@pytest.fixture
def report(manager):
    return services.overview_create(
        title="Justice overview report 2019 to 2020",
        period_start=START,
        period_end=END,
        by=manager,
    )


# --- Figures -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_method_totals_count_only_the_inspections_in_the_period(small):
    data = overview_content(start=START, end=END)
    assert [row["authority"] for row in data.inspections] == ["West Dunbartonshire", "Inverclyde"]
    assert data.method["population"] == 50
    assert data.method["read"] == 18
    assert data.method["interviewed"] == 5
    read = figure(data.figures, "INS-records-read")
    assert (read.numerator, read.denominator) == (18, 50)
    assert read.words == "We read 18 records of a population of 50."
    assert words(data.figures, "INS-people-interviewed") == (
        "We met five people subject to a community payback order."
    )


@pytest.mark.django_db
def test_reading_findings_sum_the_inspections_in_the_period_in_words(small):
    figures = overview_figures(start=START, end=END)
    bands = quantifier_bands_current()
    good = figure(figures, "R-court-report-quality")
    assert (good.numerator, good.denominator) == (13, 18)
    assert good.words == sentence_for(
        Finding(13, 18, "court reports", "were good or better"), bands
    )
    weak = figure(figures, "R-court-report-quality-weak")
    assert (weak.numerator, weak.denominator) == (3, 18)
    assert weak.words == (
        "Of the 18 court reports we evaluated, fewer than five were rated weak or unsatisfactory."
    )


@pytest.mark.django_db
def test_agreed_grades_by_qi(small):
    data = overview_content(start=START, end=END)
    rows = {row["code"]: row for row in data.grades}
    # Grades 6 5 4 3 2 1: 1.1 was weak (2) in one area and very good (5) in the other.
    assert rows["1.1"]["counts"] == [0, 1, 0, 0, 1, 0]
    assert rows["2.1"]["counts"] == [1, 0, 1, 0, 0, 0]
    one = figure(data.figures, "G-1.1-good")
    assert (one.numerator, one.denominator) == (1, 2)
    two = figure(data.figures, "G-2.1-good")
    assert (two.numerator, two.denominator) == (2, 2)
    assert {row["value"]: row["count"] for row in data.grade_totals} == {
        6: 1,
        5: 1,
        4: 1,
        3: 0,
        2: 1,
        1: 0,
    }
    assert data.grades_chart is not None
    assert "2 weak, 1" in data.grades_chart.alt


@pytest.mark.django_db
def test_partnership_decisions_and_reviews_in_the_period(small):
    data = overview_content(start=START, end=END)
    assert len(data.exercises) == 1
    validated = figure(data.figures, "PSE-validated")
    assert (validated.numerator, validated.denominator) == (2, 3)
    assert [review["title"] for review in data.reviews] == [
        "Throughcare review of breach and recall"
    ]
    assert data.reviews[0]["areas"] == ["Glasgow City"]
    assert [r.text for r in data.reviews[0]["recommendations"]] == [
        "Publish national guidance on recall."
    ]


@pytest.mark.django_db
def test_feedback_on_the_inspections_in_the_period(small):
    give_feedback(small[0], team_rating="6")
    give_feedback(small[1], team_rating="2")
    give_feedback(small[2], team_rating="6")
    data = overview_content(start=START, end=END)
    assert data.feedback["responses"] == 2
    team = next(row for row in data.feedback["questions"] if row["code"] == "team_rating")
    assert team["counts"] == [1, 0, 0, 0, 1, 0]
    rating = figure(data.figures, "FB-team_rating")
    assert (rating.numerator, rating.denominator) == (1, 2)


@pytest.mark.django_db
def test_a_period_with_nothing_in_it_has_no_inspection_figures(small):
    data = overview_content(start=dt.date(2015, 1, 1), end=dt.date(2015, 12, 31))
    assert data.inspections == [] and data.grades == [] and data.findings == []
    assert data.exercises == [] and data.reviews == []


@pytest.mark.django_db
def test_an_inspection_published_in_the_period_counts_without_fieldwork_in_it(small, framework):
    inspection = make_area_inspection(OUTSIDE)
    ReportVersion.objects.create(
        inspection=inspection,
        number=1,
        status=ReportVersion.Status.PUBLISHED,
        published_at=timezone.make_aware(dt.datetime(2020, 5, 1, 10)),
        content={},
    )
    data = overview_content(start=START, end=END)
    assert "Aberdeen City" in [row["authority"] for row in data.inspections]
    assert data.method["population"] == 90


# --- Text, revisions and the PDF ------------------------------------------------------------


@pytest.mark.django_db
def test_create_refuses_a_backwards_period(manager):
    with pytest.raises(ApplicationError) as error:
        services.overview_create(title="x", period_start=END, period_end=START, by=manager)
    assert error.value.message == services.PERIOD_BACKWARDS


@pytest.mark.django_db
def test_editing_the_text_is_audited_and_makes_a_new_revision(report, manager):
    report = services.overview_narrative_save(
        report=report, narrative={"key_messages": "- Relationships matter."}, by=manager
    )
    assert report.revision == 2
    assert report.narrative["key_messages"] == "- Relationships matter."
    event = AuditEvent.objects.get(action=services.NARRATIVE_ACTION, object_id=str(report.pk))
    assert event.actor == manager
    assert event.old_value == {"key_messages": ""}
    assert event.new_value == {"key_messages": "- Relationships matter.", "revision": 2}
    # The same text again is not an edit.
    report = services.overview_narrative_save(
        report=report, narrative={"key_messages": "- Relationships matter."}, by=manager
    )
    assert report.revision == 2
    assert AuditEvent.objects.filter(action=services.NARRATIVE_ACTION).count() == 1


@pytest.mark.django_db
def test_unknown_sections_are_refused(report, manager):
    with pytest.raises(ApplicationError):
        services.overview_narrative_save(report=report, narrative={"evil": "x"}, by=manager)


@pytest.mark.django_db
def test_requesting_the_pdf_freezes_a_register_of_every_figure(
    small, report, manager, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = services.overview_request(report=report, by=manager)
    assert document.kind == "overview_report" and document.version == report.revision
    assert sent == [document.pk]
    register = services.overview_register(document=document)
    assert register.is_frozen
    expected = [f.code for group in overview_figures(start=START, end=END).values() for f in group]
    assert list(register.figures.values_list("code", flat=True)) == expected
    # Asking again with nothing changed is the same document.
    assert services.overview_request(report=report, by=manager) == document


@pytest.mark.django_db
def test_changed_data_makes_the_next_request_a_new_revision(small, report, manager, sent):
    first = services.overview_request(report=report, by=manager)
    Interview.objects.create(
        activity=small[0].activity,
        instrument_version=small[0].activity.interview_instrument,
        pseudonym="P99",
        date=dt.date(2019, 11, 5),
        interviewer=small[0].lead,
    )
    second = services.overview_request(report=report, by=manager)
    assert second.pk != first.pk and second.version == first.version + 1
    assert words(
        {"": list(services.overview_register(document=second).figures.all())},
        "INS-people-interviewed",
    ) == ("We met six people subject to a community payback order.")


@pytest.mark.django_db
def test_a_pdf_is_not_made_with_figures_other_than_its_register(small, report, manager, sent):
    document = services.overview_request(report=report, by=manager)
    Interview.objects.create(
        activity=small[0].activity,
        instrument_version=small[0].activity.interview_instrument,
        pseudonym="P99",
        date=dt.date(2019, 11, 5),
        interviewer=small[0].lead,
    )
    document = document_render(document_id=document.pk)
    assert document.state == Document.State.FAILED
    assert document.failure_reason == DATA_CHANGED
    again = services.overview_request(report=report, by=manager)
    assert again.version == document.version + 1
    assert document_render(document_id=again.pk).state == Document.State.READY


@pytest.mark.django_db
def test_the_document_prints_text_and_figures_and_escapes_typed_html(small, report, manager):
    report = services.overview_narrative_save(
        report=report,
        narrative={"introduction": '<script>alert("x")</script> Our first overview.'},
        by=manager,
    )
    document = Document.objects.create(
        kind="overview_report", subject=report, version=report.revision, title=report.title
    )
    html = document_html(document=document)
    assert "<script>alert" not in html and "Our first overview." in html
    assert "We read 18 records of a population of 50." in html
    assert "Of the 18 court reports we evaluated, fewer than five" in html
    assert "Appendix 4: The approaches used" in html
    assert overview_context(report)["narrative"]["introduction"].startswith("<script>")


# --- Pages and who may see them ------------------------------------------------------------


@pytest.mark.django_db
def test_manager_starts_a_report_and_writes_its_text(client, manager):
    login(client, manager)
    response = client.post(
        reverse("reports:overview_create"),
        {
            "title": "Justice overview report 2018 to 2021",
            "period_start_0": "1",
            "period_start_1": "9",
            "period_start_2": "2018",
            "period_end_0": "31",
            "period_end_1": "8",
            "period_end_2": "2021",
        },
    )
    report = OverviewReport.objects.get()
    assert response.status_code == 302
    assert (report.period_start, report.period_end) == (dt.date(2018, 9, 1), dt.date(2021, 8, 31))
    data = {key: "" for key, _, _ in services.SECTIONS} | {"conclusions": "It went well."}
    response = client.post(reverse("reports:overview_narrative", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative["conclusions"] == "It went well." and report.revision == 2
    page = client.get(reverse("reports:overview_detail", args=[report.pk]))
    assert "It went well." in page.content.decode()


@pytest.mark.django_db
def test_a_backwards_period_is_shown_on_the_end_date(client, manager):
    login(client, manager)
    response = client.post(
        reverse("reports:overview_create"),
        {
            "title": "Backwards",
            "period_start_0": "1",
            "period_start_1": "9",
            "period_start_2": "2021",
            "period_end_0": "31",
            "period_end_1": "8",
            "period_end_2": "2018",
        },
    )
    assert response.status_code == 200
    assert services.PERIOD_BACKWARDS in response.content.decode()
    assert not OverviewReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,slug",
    [
        (Role.AUTHORITY_CONTACT, "west-dunbartonshire"),
        (Role.PARTNERSHIP_MEMBER, "ayrshire-community-justice-partnership"),
    ],
)
def test_people_outside_the_inspectorate_get_nothing(
    client, framework, report, manager, role, slug
):
    document = Document.objects.create(
        kind="overview_report", subject=report, version=1, title=report.title
    )
    login(client, person(role, slug))
    for name, args in [
        ("overview_list", []),
        ("overview_create", []),
        ("overview_detail", [report.pk]),
        ("overview_narrative", [report.pk]),
        ("document_detail", [document.pk]),
    ]:
        assert client.get(reverse(f"reports:{name}", args=args)).status_code == 403, name
    assert client.post(reverse("reports:overview_request", args=[report.pk])).status_code == 403
    assert (
        client.post(
            reverse("reports:document_request", args=["overview_report", report.pk])
        ).status_code
        == 403
    )
    assert not Document.objects.exclude(pk=document.pk).exists()


@pytest.mark.django_db
def test_an_inspector_may_see_and_a_missing_report_is_not_found(client, report):
    login(client, person(Role.INSPECTOR))
    assert client.get(reverse("reports:overview_detail", args=[report.pk])).status_code == 200
    missing = reverse("reports:overview_detail", args=[report.pk + 1000])
    assert client.get(missing).status_code == 404


@pytest.mark.django_db
def test_the_navigation_shows_overview_reports_to_managers_only_of_these(client, manager):
    login(client, manager)
    assert "Overview reports" in client.get(reverse("core:home")).content.decode()
    client.logout()
    login(client, person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"))
    assert "Overview reports" not in client.get(reverse("core:home")).content.decode()


def test_the_demo_makes_the_overview_report_once_with_its_register(settings, reference_data):
    from django.core.management import call_command

    from reports.models import Document, FigureRegister, OverviewReport
    from reports.overview.demo import TITLE

    settings.DEBUG = True
    call_command("load_demo", quiet_logins=True)
    call_command("load_demo", quiet_logins=True)
    report = OverviewReport.objects.get(title=TITLE)
    assert "Most people subject to community payback orders" in report.narrative["key_messages"]
    documents = Document.objects.filter(kind="overview_report", subject_id=report.pk)
    assert documents.count() == 1
    register = FigureRegister.objects.get(document=documents.get())
    assert register.is_frozen and register.figures.exists()
