"""The inspection report's narrative: sections written in the browser, figures inserted from the
statistics by token (never typed), the snapshot the PDF prints, and who may see and write it."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections import services
from inspections.documents import report_context, report_filename, report_title
from inspections.models import (
    Answer,
    Inspection,
    Reading,
    Recommendation,
    ReportSection,
    ReportVersion,
    SampleRecord,
)
from inspections.selectors import inspection_tasks
from inspections.selectors.evidence import inspection_figures
from inspections.selectors.report import report_snapshot
from inspections.services.report import (
    FIGURE_TOKEN_MALFORMED,
    FIGURES_UNKNOWN,
    REPORT_PUBLISHED,
    SECTION_HEADING_REQUIRED,
    STANDARD_ORDER,
    figure_token,
    render_with_figures,
    report_section_delete,
    report_section_move,
    report_section_save,
    report_sections_ensure,
)
from qi_framework.models import QualityIndicator, Question
from reports.models import Document
from reports.services import document_html
from tests.factories import login, person
from tests.inspections.factories import assign, make_inspection, make_population, make_sample

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
K = ReportSection.Key


def qi(inspection, code: str) -> QualityIndicator:
    return QualityIndicator.objects.get(framework=inspection.activity.framework, code=code)


def build_evidence(inspection, *, population: int, size: int, grades: list[int]):
    """Make a population, a sample of `size`, and a submitted first reading of each sampled
    record, rating its court report (CJSWR) with `grades` in turn."""
    make_population(inspection, size=population)
    sample = make_sample(inspection, size=size, reserve=2)
    reader = assign(person(Role.INSPECTOR), "inspector", inspection)
    version = inspection.activity.reading_instrument
    prepared = Question.objects.get(version=version, code="cjswr_prepared")
    quality = Question.objects.get(version=version, code="cjswr_quality")
    records = sample.records.filter(role=SampleRecord.Role.SAMPLED).order_by("pk")
    for i, record in enumerate(records):
        reading = Reading.objects.create(
            sample_record=record,
            reader=reader,
            instrument_version=version,
            status=Reading.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
        for question, value in [(prepared, "yes"), (quality, grades[i % len(grades)])]:
            answer = Answer(reading=reading, updated_by=reader)
            answer.set_value(question, value)
            answer.save()
    return sample, reader


def agree_grades(inspection, grades: dict[str, int]) -> None:
    for code, grade in grades.items():
        services.evaluation_record(
            inspection=inspection,
            quality_indicator=qi(inspection, code),
            grade=grade,
            rationale=f"Rationale for {code}",
            by=inspection.lead,
        )
    services.capacity_statement_save(
        inspection=inspection, text="We are confident the service can improve.", by=inspection.lead
    )


def a_figure(inspection, group: str):
    """Return the first figure of a group that some records answered."""
    return next(f for f in inspection_figures(inspection=inspection)[group] if f.denominator)


@pytest.fixture
def inspector(inspection):
    return assign(person(Role.INSPECTOR), "inspector", inspection)


# --- Sections --------------------------------------------------------------------------------


def test_standard_sections_are_made_once_in_the_published_order(inspection):
    first = report_sections_ensure(inspection=inspection)
    second = report_sections_ensure(inspection=inspection)
    assert [s.key for s in first] == STANDARD_ORDER
    assert [s.pk for s in second] == [s.pk for s in first]


def test_saving_a_section_is_audited_with_old_and_new_text(inspection, inspector):
    report_section_save(inspection=inspection, key=K.CONTEXT, body="First draft.", by=inspector)
    section = report_section_save(
        inspection=inspection, key=K.CONTEXT, body="Second draft.", by=inspector
    )
    assert section.body == "Second draft." and section.updated_by == inspector
    events = AuditEvent.objects.filter(action="report.section_save").order_by("pk")
    assert [(e.old_value["body"], e.new_value["body"]) for e in events] == [
        ("", "First draft."),
        ("First draft.", "Second draft."),
    ]


def test_saving_is_refused_once_the_inspection_is_published(inspection, inspector):
    section = report_section_save(inspection=inspection, key=K.CONTEXT, body="Text", by=inspector)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.PUBLISHED)
    with pytest.raises(ApplicationError) as error:
        report_section_save(
            inspection=inspection, key=K.CONTEXT, section=section, body="Changed", by=inspector
        )
    assert error.value.message == REPORT_PUBLISHED
    section.refresh_from_db()
    assert section.body == "Text"
    with pytest.raises(ApplicationError):
        report_section_save(
            inspection=inspection, key=K.TOPICAL, heading="Late", body="", by=inspector
        )


def test_topical_sections_are_added_renamed_moved_and_removed(inspection, inspector):
    first = report_section_save(
        inspection=inspection,
        key=K.TOPICAL,
        heading="How well is the service preparing for the presumption against short sentences?",
        body="Text",
        by=inspector,
    )
    second = report_section_save(
        inspection=inspection, key=K.TOPICAL, heading="Covid-19", body="", by=inspector
    )
    keys = [s.key for s in report_sections_ensure(inspection=inspection)]
    # Topical sections sit after leadership and before the areas for improvement.
    assert keys.index(K.LEADERSHIP) < keys.index(K.TOPICAL) < keys.index(K.AREAS_FOR_IMPROVEMENT)
    report_section_save(
        inspection=inspection, key=K.TOPICAL, section=second, heading="Remote working", body="",
        by=inspector,
    )  # fmt: skip
    report_section_move(section=second, up=True, by=inspector)
    topical = [
        s.heading for s in report_sections_ensure(inspection=inspection) if s.key == K.TOPICAL
    ]
    assert topical == ["Remote working", first.heading]
    report_section_delete(section=first, by=inspector)
    assert not ReportSection.objects.filter(pk=first.pk).exists()
    assert AuditEvent.objects.filter(action="report.section_remove").count() == 1
    with pytest.raises(ApplicationError) as error:
        report_section_save(
            inspection=inspection, key=K.TOPICAL, heading=" ", body="", by=inspector
        )
    assert error.value.message == SECTION_HEADING_REQUIRED


def test_standard_sections_cannot_be_removed(inspection, inspector):
    section = report_sections_ensure(inspection=inspection)[0]
    with pytest.raises(ApplicationError):
        report_section_delete(section=section, by=inspector)


# --- Figures ---------------------------------------------------------------------------------


def test_unknown_figure_codes_are_refused_with_the_codes_listed(inspection, inspector):
    build_evidence(inspection, population=40, size=6, grades=[4])
    known = a_figure(inspection, "method").code
    body = f"We read {figure_token(known)}. Also [[figure:5.2-Q99-good]] and [[figure:nope]]."
    with pytest.raises(ApplicationError) as error:
        report_section_save(inspection=inspection, key=K.CONDUCT, body=body, by=inspector)
    assert error.value.message == FIGURES_UNKNOWN.format(codes="5.2-Q99-good, nope")
    assert not ReportSection.objects.filter(inspection=inspection, body=body).exists()
    with pytest.raises(ApplicationError) as error:
        report_section_save(
            inspection=inspection, key=K.CONDUCT, body="See [[figure: spaced out]].", by=inspector
        )
    assert error.value.message == FIGURE_TOKEN_MALFORMED.format(tokens="[[figure: spaced out]]")
    section = report_section_save(
        inspection=inspection, key=K.CONDUCT, body=f"We read {figure_token(known)}.", by=inspector
    )
    assert section.body.endswith(f"{figure_token(known)}.")


def test_tokens_are_replaced_by_escaped_words_and_typed_html_stays_text():
    figures = {
        "F1": {
            "code": "F1",
            "words": "Most <court> reports (85%, 83 of 98) & more",
            "definition": "",
        }
    }
    html = str(render_with_figures(f"{HOSTILE}\n\nIn short: [[figure:F1]].", figures))
    assert "<script>" not in html and "<b>bold</b>" not in html and "<court>" not in html
    assert "&lt;script&gt;" in html
    assert (
        '<span class="figure">Most &lt;court&gt; reports (85%, 83 of 98) &amp; more</span>.' in html
    )
    assert "[[figure:" not in html
    missing = str(render_with_figures("See [[figure:gone]].", {}))
    assert "[figure not available: gone]" in missing


def test_the_section_editor_lists_figures_with_their_tokens(client, inspection, inspector):
    build_evidence(inspection, population=40, size=6, grades=[4, 5])
    figure = a_figure(inspection, "5.2")
    section = report_sections_ensure(inspection=inspection)[STANDARD_ORDER.index(K.PROCESSES)]
    login(client, inspector)
    url = reverse("inspections:report_section_update", args=[inspection.pk, section.pk])
    page = client.get(url).content.decode()
    assert figure_token(figure.code) in page and figure.words in page
    response = client.post(url, {"body": "Bad [[figure:unknown-code]]"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content and "unknown-code" in content
    response = client.post(url, {"body": f"Court reports: {figure_token(figure.code)}"})
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.body == f"Court reports: {figure_token(figure.code)}"


# --- The snapshot ----------------------------------------------------------------------------


def test_the_snapshot_holds_everything_the_pdf_prints(inspection, inspector):
    build_evidence(inspection, population=60, size=8, grades=[5, 4, 2])
    agree_grades(inspection, {"1.1": 4, "2.1": 5, "5.2": 2, "5.3": 3, "9.4": 4})
    services.recommendation_create(
        inspection=inspection,
        kind=Recommendation.Kind.AREA_FOR_IMPROVEMENT,
        text="Complete LS/CMI assessments within 20 working days.",
        quality_indicators=[qi(inspection, "5.2")],
        by=inspection.lead,
    )
    figure = a_figure(inspection, "5.2")
    report_section_save(
        inspection=inspection, key=K.PROCESSES, body=f"Reports: {figure_token(figure.code)}",
        by=inspector,
    )  # fmt: skip
    snapshot = report_snapshot(inspection=inspection)
    assert json.loads(json.dumps(snapshot)) == snapshot  # plain JSON
    assert snapshot["inspection"]["authority"] == "West Dunbartonshire"
    assert snapshot["method"]["population"] == 60 and snapshot["method"]["records_read"] == 8
    assert any("8 of 60 records" in s for s in snapshot["method"]["sentences"])
    processes = next(s for s in snapshot["sections"] if s["key"] == K.PROCESSES)
    assert processes["text"] == f"Reports: {figure.words}"
    assert figure.code in processes["key_figures"]
    assert snapshot["figures"][figure.code]["words"] == figure.words
    # The records behind each figure travel with it, for the published version's register.
    assert snapshot["figures"][figure.code]["records"] == [list(r) for r in figure.records]
    assert figure.records
    grades = {e["code"]: (e["grade"], e["label"]) for e in snapshot["evaluations"]}
    assert grades == {
        "1.1": (4, "Good"), "2.1": (5, "Very good"), "5.2": (2, "Weak"), "5.3": (3, "Adequate"),
        "9.4": (4, "Good"),
    }  # fmt: skip
    assert {row["value"]: row["count"] for row in snapshot["grade_distribution"]} == {
        6: 0, 5: 1, 4: 2, 3: 1, 2: 1, 1: 0
    }  # fmt: skip
    cjswr = next(r for r in snapshot["rating_distributions"]["5.2"] if r["code"] == "cjswr_quality")
    assert {c["value"]: c["count"] for c in cjswr["counts"]} == {6: 0, 5: 3, 4: 3, 3: 0, 2: 2, 1: 0}
    assert snapshot["recommendations"][0]["qis"] == ["5.2"]
    assert snapshot["capacity_statement"].startswith("We are confident")
    assert [level["value"] for level in snapshot["scale"]] == [6, 5, 4, 3, 2, 1]
    model_qis = [q for kq in snapshot["qi_model"] for i in kq["indicators"] for q in i["qis"]]
    assert {q["code"] for q in model_qis if q["evaluated"]} == {"1.1", "2.1", "5.2", "5.3", "9.4"}
    assert any(t["term"].startswith("Community payback order") for t in snapshot["terms"])


def test_the_pdf_context_comes_from_the_version_content_only(inspection, inspector):
    build_evidence(inspection, population=40, size=5, grades=[4])
    agree_grades(inspection, {"1.1": 4, "2.1": 5, "5.2": 2, "5.3": 3, "9.4": 4})
    report_section_save(inspection=inspection, key=K.CONTEXT, body=HOSTILE, by=inspector)
    version = ReportVersion.objects.create(
        inspection=inspection, number=1, content=report_snapshot(inspection=inspection)
    )
    assert report_title(version) == (
        "Inspection of justice social work services: West Dunbartonshire (DRAFT)"
    )
    # Live changes after the snapshot do not reach the version's document.
    report_section_save(inspection=inspection, key=K.CONTEXT, body="Changed later", by=inspector)
    context = report_context(version)
    assert context["is_draft"]
    # The evaluations chart is an image whose alternative text says every grade.
    alt = context["evaluations_chart"].alt
    assert "5.2 Assessing and responding to risk and need: 2, weak" in alt
    assert "2.1 Impact on people who have committed offences: 5, very good" in alt
    assert context["evaluations_chart"].src.startswith("data:image/svg+xml;base64,")
    context_section = next(s for s in context["sections"] if s["key"] == K.CONTEXT)
    assert context_section["body"] == HOSTILE
    document = Document(kind="inspection_report", subject=version, version=1, title="t")
    html = document_html(document=document)
    assert "Changed later" not in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "DRAFT" in html
    assert report_filename(document) == "inspection-report-west-dunbartonshire-version-1-draft.pdf"
    published = ReportVersion.objects.create(
        inspection=inspection,
        number=2,
        status=ReportVersion.Status.PUBLISHED,
        content=version.content,
        published_at=timezone.now(),
    )
    assert not report_context(published)["is_draft"]
    assert "(DRAFT)" not in report_title(published)


# --- Pages and who may see them --------------------------------------------------------------


def test_lead_writes_a_section_and_sees_the_preview(client, inspection):
    build_evidence(inspection, population=40, size=5, grades=[4])
    login(client, inspection.lead)
    response = client.get(reverse("inspections:report_detail", args=[inspection.pk]))
    assert response.status_code == 200
    section = ReportSection.objects.get(inspection=inspection, key=K.KEY_MESSAGES)
    url = reverse("inspections:report_section_update", args=[inspection.pk, section.pk])
    response = client.post(url, {"body": f"- Strong court reports\n- {HOSTILE}"})
    assert response.status_code == 302
    page = client.get(reverse("inspections:report_detail", args=[inspection.pk])).content.decode()
    assert (
        "Strong court reports" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    )
    assert "5 of 40 records" in page  # the conduct section's methodology, from the data
    response = client.post(
        reverse("inspections:report_section_create", args=[inspection.pk]),
        {"heading": "Preparing for the presumption against short sentences", "body": "Text"},
    )
    assert response.status_code == 302
    assert ReportSection.objects.filter(inspection=inspection, key=K.TOPICAL).count() == 1


def test_manager_sees_the_report_but_cannot_write(client, inspection):
    manager = person(Role.MANAGER)
    login(client, manager)
    assert client.get(reverse("inspections:report_detail", args=[inspection.pk])).status_code == 200
    section = report_sections_ensure(inspection=inspection)[0]
    url = reverse("inspections:report_section_update", args=[inspection.pk, section.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "No"}).status_code == 403
    section.refresh_from_db()
    assert section.body == ""


@pytest.mark.parametrize("who", ["authority_contact", "inspector_off_team", "co_reader"])
def test_people_outside_the_team_get_nothing(client, inspection, who):
    report_section_save(
        inspection=inspection, key=K.CONTEXT, body="Secret draft", by=inspection.lead
    )
    if who == "authority_contact":
        user = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    elif who == "co_reader":
        user = assign(person(Role.AUTHORITY_CONTACT), "local_co_reader", inspection)
    else:
        user = person(Role.INSPECTOR)
    login(client, user)
    section = ReportSection.objects.get(inspection=inspection, key=K.CONTEXT)
    for url in [
        reverse("inspections:report_detail", args=[inspection.pk]),
        reverse("inspections:report_section_update", args=[inspection.pk, section.pk]),
        reverse("inspections:report_section_create", args=[inspection.pk]),
    ]:
        response = client.get(url)
        assert response.status_code in {403, 404}, url
        assert b"Secret draft" not in response.content
    response = client.post(
        reverse("inspections:report_section_update", args=[inspection.pk, section.pk]),
        {"body": "Overwritten"},
    )
    assert response.status_code in {403, 404}
    section.refresh_from_db()
    assert section.body == "Secret draft"
    assert not user.has_perm("inspections.view_report", inspection)


def test_a_section_of_another_inspection_is_not_found(client, inspection):
    other = make_inspection("inverclyde")
    section = report_sections_ensure(inspection=other)[0]
    login(client, inspection.lead)
    url = reverse("inspections:report_section_update", args=[inspection.pk, section.pk])
    assert client.get(url).status_code == 404


def test_report_version_permission(inspection):
    version = ReportVersion.objects.create(inspection=inspection, number=1, content={})
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    other_contact = person(Role.AUTHORITY_CONTACT, "inverclyde")
    outsider = person(Role.INSPECTOR)
    assert inspection.lead.has_perm("inspections.view_report_version", version)
    assert person(Role.MANAGER).has_perm("inspections.view_report_version", version)
    assert not contact.has_perm("inspections.view_report_version", version)
    assert not outsider.has_perm("inspections.view_report_version", version)
    published = ReportVersion.objects.create(
        inspection=inspection, number=2, status=ReportVersion.Status.PUBLISHED, content={}
    )
    contact = type(contact).objects.get(pk=contact.pk)  # fresh permission cache
    assert contact.has_perm("inspections.view_report_version", published)
    assert not other_contact.has_perm("inspections.view_report_version", published)
    assert not outsider.has_perm("inspections.view_report_version", published)


def test_the_task_list_links_the_report_for_the_team_only(inspection):
    report_section_save(inspection=inspection, key=K.CONTEXT, body="Text", by=inspection.lead)
    tasks = {t.name: t for t in inspection_tasks(inspection=inspection, user=inspection.lead)}
    assert tasks["Inspection report"].url == reverse(
        "inspections:report_detail", args=[inspection.pk]
    )
    assert tasks["Inspection report"].state == "In progress"
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    names = [t.name for t in inspection_tasks(inspection=inspection, user=contact)]
    assert "Inspection report" not in names
