"""Evidence by QI: figures computed from the answers that count, their words and breakdowns,
the records behind each figure, the inspectors' notes, and who may see any of it.

The data set is small and fixed so every figure can be computed by hand (see `evidence`).
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections.models import (
    Answer,
    EvidenceNote,
    FieldworkEvent,
    Interview,
    InterviewAnswer,
    ModeratedAnswer,
    Reading,
    SampleRecord,
    SelfAssessment,
)
from inspections.selectors.evidence import (
    figure_records,
    inspection_figures,
    qi_evidence,
    qi_evidence_index,
)
from inspections.services.evidence import (
    EVIDENCE_NOTE_QI_NOT_IN_SCOPE,
    EVIDENCE_NOTE_TOO_LONG,
    evidence_note_save,
)
from qi_framework.models import Question
from tests.factories import login, person
from tests.inspections.factories import assign, make_population, make_sample

pytestmark = pytest.mark.django_db

# Record i of the sample → (LS/CMI quality, LS/CMI within 20 working days), None = unanswered.
# Record 0's first reader said 2; moderation made it 5.
LSCMI = {
    0: (2, "yes"),
    1: (6, "yes"),
    2: (4, "no"),
    3: (3, "no"),
    4: (5, "yes"),
    5: (2, "no"),
    6: (5, "no"),
    7: (1, "yes"),
    8: (None, "na"),
    9: (4, "yes"),
}
# Strata (tests.inspections.factories.REQUIREMENT_MIX by record number):
SUPERVISION = "Supervision (no unpaid work)"  # records 0, 3, 5, 8
UNPAID_WORK = "Unpaid work only"  # records 1, 4, 6, 9
BOTH = "Supervision and unpaid work"  # records 2, 7


def question(inspection, code: str) -> Question:
    return Question.objects.get(version=inspection.activity.reading_instrument, code=code)


def answer(reading, q: Question, value, by):
    item = Answer(reading=reading, updated_by=by)
    item.set_value(q, value)
    item.save()
    return item


def build(inspection, *, size: int = 10, lead=None):
    """Make the fixed data set: a sample of `size` records (plus one replaced record whose
    answers must never count), first readings by an inspector (records 0-4), an associate
    assessor (5-7) and a local co-reader (8 and up), answers from LSCMI, a moderated answer,
    interviews, focus groups and the authority's self-evaluation."""
    make_population(inspection, size=max(40, size + 10))
    sample = make_sample(inspection, size=size + 1)
    records = list(
        sample.records.filter(role=SampleRecord.Role.SAMPLED)
        .select_related("record")
        .order_by("record__reference")
    )
    replaced = records.pop()
    replaced.status = SampleRecord.Status.REPLACED
    replaced.save()
    inspector = assign(person(Role.INSPECTOR), "inspector", inspection)
    associate = assign(
        person(Role.AUTHORITY_CONTACT, "renfrewshire"), "associate_assessor", inspection
    )
    co_reader = assign(
        person(Role.AUTHORITY_CONTACT, inspection.activity.authority.slug),
        "local_co_reader",
        inspection,
    )
    quality = question(inspection, "lscmi_quality")
    timely = question(inspection, "lscmi_within_20_days")
    version = inspection.activity.reading_instrument
    readings = []
    for i, record in enumerate(records):
        reader = inspector if i < 5 else associate if i < 8 else co_reader
        reading = Reading.objects.create(
            sample_record=record,
            reader=reader,
            instrument_version=version,
            status=Reading.Status.SUBMITTED if i < 8 else Reading.Status.IN_PROGRESS,
        )
        readings.append(reading)
        grade, on_time = LSCMI.get(i, LSCMI[i % 10])
        if grade is not None:
            answer(reading, quality, grade, reader)
        answer(reading, timely, on_time, reader)
    # The replaced record's answers must not count.
    gone = Reading.objects.create(
        sample_record=replaced, reader=inspector, instrument_version=version
    )
    answer(gone, quality, 1, inspector)
    # Record 0 was read twice; the lead moderated its quality to 5.
    second = Reading.objects.create(
        sample_record=records[0], reader=associate, instrument_version=version, order=2
    )
    answer(second, quality, 5, associate)
    moderated = ModeratedAnswer(
        sample_record=records[0], reason="Read again together", moderated_by=inspection.lead
    )
    moderated.set_value(quality, 5)
    moderated.save()
    # Interviews: two people agreed, one did not.
    interview_version = inspection.activity.interview_instrument
    consent = Question.objects.get(version=interview_version, code="consent_given")
    understood = Question.objects.get(version=interview_version, code="understood_order")
    for n, (agreed, said) in enumerate([("yes", "yes"), ("yes", "no"), ("no", None)], start=1):
        interview = Interview.objects.create(
            activity=inspection.activity,
            instrument_version=interview_version,
            pseudonym=f"P-{n:03d}",
            date=dt.date(2019, 11, 20),
            interviewer=inspector,
        )
        for q, value in ((consent, agreed), (understood, said)):
            if value is not None:
                item = InterviewAnswer(interview=interview)
                item.set_value(q, value)
                item.save()
    # Focus groups: one held with notes, one planned, one cancelled (its notes are not shown).
    FieldworkEvent.objects.create(
        activity=inspection.activity,
        kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP,
        date=dt.date(2019, 11, 21),
        status=FieldworkEvent.Status.COMPLETED,
        participants={"justice_staff": 6, "team_leaders": 2},
        notes="Staff said:\n\n- caseloads were high",
    )
    FieldworkEvent.objects.create(
        activity=inspection.activity,
        kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP,
        date=dt.date(2019, 11, 28),
    )
    FieldworkEvent.objects.create(
        activity=inspection.activity,
        kind=FieldworkEvent.Kind.STAFF_FOCUS_GROUP,
        date=dt.date(2019, 11, 29),
        status=FieldworkEvent.Status.CANCELLED,
        notes="Cancelled group notes",
    )
    SelfAssessment.objects.create(
        inspection=inspection,
        quality_indicator=quality.qis.get(code="5.2"),
        grade=4,
        narrative="We assess risk well.",
    )
    return {
        "sample": sample,
        "records": records,
        "replaced": replaced,
        "readings": readings,
        "inspector": inspector,
        "associate": associate,
        "co_reader": co_reader,
        "quality": quality,
        "timely": timely,
    }


@pytest.fixture
def evidence(inspection):
    return {"inspection": inspection, **build(inspection)}


def by_code(figures):
    return {f.code: f for f in figures}


def refs(figure_or_records, records):
    return {records[i].record.reference for i in figure_or_records}


# --- Figures -----------------------------------------------------------------------------------


def test_rating_figures_count_the_answers_that_count(evidence):
    inspection, records, quality = evidence["inspection"], evidence["records"], evidence["quality"]
    figures = by_code(inspection_figures(inspection=inspection)["5.2"])
    base = f"5.2-Q{quality.position}"
    good = figures[f"{base}-good"]
    # Rated: records 0-7 and 9 (record 8 unanswered; the replaced record never counts).
    # Good or better: 0 (moderated 5), 1, 2, 4, 6, 9.
    assert (good.numerator, good.denominator) == (6, 9)
    assert {ref for _, ref in good.records} == refs([0, 1, 2, 4, 6, 9], records)
    assert good.words == (
        "The majority of LS/CMI assessments (6 of 9) were good or better; fewer than five were "
        "weak or unsatisfactory."
    )
    assert "good or better" in good.definition
    assert good.section.startswith("5.2 ")
    assert good.records_url == reverse(
        "inspections:evidence_figure_records",
        kwargs={"pk": inspection.pk, "figure_code": good.code},
    )
    grades = {g: figures[f"{base}-g{g}"].numerator for g in range(1, 7)}
    assert grades == {6: 1, 5: 3, 4: 2, 3: 1, 2: 1, 1: 1}
    assert (figures[f"{base}-vgood"].numerator, figures[f"{base}-adeq"].numerator) == (4, 2)
    assert figures[f"{base}-weak"].numerator == 2


def test_percentages_appear_from_the_minimum_denominator(evidence, settings):
    settings.STATISTICS_MIN_DENOMINATOR = 5
    inspection, quality = evidence["inspection"], evidence["quality"]
    figures = by_code(inspection_figures(inspection=inspection)["5.2"])
    base = f"5.2-Q{quality.position}"
    assert figures[f"{base}-good"].words.startswith(
        "The majority of LS/CMI assessments (67%, 6 of 9) were good or better"
    )
    assert figures[f"{base}-g5"].words == "33% (3 of 9)"


def test_yes_no_figures_leave_not_applicable_out_of_the_denominator(evidence):
    inspection, records, timely = evidence["inspection"], evidence["records"], evidence["timely"]
    figures = by_code(inspection_figures(inspection=inspection)["5.2"])
    base = f"5.2-Q{timely.position}"
    yes, no, na = figures[f"{base}-yes"], figures[f"{base}-no"], figures[f"{base}-na"]
    assert (yes.numerator, yes.denominator) == (5, 9)
    assert (no.numerator, no.denominator) == (4, 9)
    assert (na.numerator, na.denominator) == (1, 10)
    assert {ref for _, ref in na.records} == refs([8], records)
    assert yes.words == (
        "The majority of records (5 of 9) were answered “yes” to “LS/CMI completed within 20 "
        "working days”."
    )


def test_crosstab_compares_quality_with_timeliness(evidence):
    inspection, quality, timely = evidence["inspection"], evidence["quality"], evidence["timely"]
    qi = qi_evidence(inspection=inspection, code="5.2")
    (table,) = [t for t in qi.crosstabs if t.rating == quality and t.timeliness == timely]
    # Very good or excellent: 0 (yes), 1 (yes), 4 (yes), 6 (no) → 3 of 4 on time.
    # Adequate or weak: 3 (no), 5 (no) → 0 of 2.
    vgood, adeq = table.groups
    assert (vgood.numerator, vgood.denominator, adeq.numerator, adeq.denominator) == (3, 4, 0, 2)
    assert table.sentence == (
        "A higher proportion of LS/CMI assessments rated very good or excellent were completed "
        "within 20 working days (3 of 4) than those rated adequate or weak (0 of 2)."
    )
    rows = {label: (on_time.numerator, late.numerator) for label, on_time, late in table.rows}
    assert rows["5 very good"] == (2, 1)
    assert rows["4 good"] == (1, 1)
    assert table.total == 9
    codes = {f.code for f in inspection_figures(inspection=inspection)["5.2"]}
    assert vgood.code in codes


def test_breakdowns_by_stratum_and_reader_type(evidence):
    inspection, quality = evidence["inspection"], evidence["quality"]
    qi = qi_evidence(inspection=inspection, code="5.2")
    (distribution,) = [d for d in qi.distributions if d.question == quality]

    def good(breakdown):
        figure = next(f for f in breakdown.figures if f.code.split("-")[2] == "good")
        return figure.numerator, figure.denominator

    strata = {b.label: good(b) for b in distribution.by_stratum}
    assert strata == {SUPERVISION: (1, 3), BOTH: (1, 2), UNPAID_WORK: (4, 4)}
    readers = {b.label: good(b) for b in distribution.by_reader}
    assert readers == {
        "Inspectors": (4, 5),
        "Associate assessors": (1, 3),
        "Local co-readers": (1, 1),
    }


def test_method_figures(evidence):
    method = by_code(inspection_figures(inspection=evidence["inspection"])["method"])
    records = method["M-records"]
    # Eight first readings are submitted; the population has 40 records.
    assert (records.numerator, records.denominator, records.words) == (8, 40, "8 of 40 records")
    assert (method["M-interviews"].numerator, method["M-interviews"].denominator) == (2, 3)
    assert method["M-interviews"].words == "2 people interviewed"
    assert method["M-focus-groups"].numerator == 1
    assert method["M-staff"].numerator == 8


def test_codes_are_stable_and_unique(evidence):
    inspection = evidence["inspection"]
    first = inspection_figures(inspection=inspection)
    second = inspection_figures(inspection=inspection)
    assert first == second
    assert set(first) == {q.quality_indicator.code for q in inspection.qis.all()} | {"method"}
    codes = [f.code for figures in first.values() for f in figures]
    assert len(codes) == len(set(codes))
    assert all(len(code) <= 40 for code in codes)


def test_an_inspection_without_a_sample_has_method_figures_only(inspection):
    make_population(inspection, size=30)
    figures = inspection_figures(inspection=inspection)
    assert all(figures[q.quality_indicator.code] == [] for q in inspection.qis.all())
    records = by_code(figures["method"])["M-records"]
    assert (records.numerator, records.denominator, records.words) == (0, 30, "0 of 30 records")


def test_unanswered_questions_give_no_report_figures(evidence):
    figures = by_code(inspection_figures(inspection=evidence["inspection"])["5.2"])
    cjswr = question(evidence["inspection"], "cjswr_quality")
    assert f"5.2-Q{cjswr.position}-good" not in figures
    assert all(f.denominator for f in figures.values())


def test_figure_records_lists_the_records_behind_a_figure(evidence):
    inspection, records, quality = evidence["inspection"], evidence["records"], evidence["quality"]
    found = figure_records(inspection=inspection, figure_code=f"5.2-Q{quality.position}-adeq")
    assert [r.reference for r in found.records] == [records[i].record.reference for i in (3, 5)]
    assert found.records[0].stratum == SUPERVISION
    assert found.records[0].reading_url == reverse(
        "inspections:reading_update", kwargs={"pk": evidence["readings"][3].pk}
    )
    assert figure_records(inspection=inspection, figure_code="5.2-Q9999-good") is None


def test_breakdown_figures_have_their_own_records(evidence):
    inspection, records, quality = evidence["inspection"], evidence["records"], evidence["quality"]
    qi = qi_evidence(inspection=inspection, code="5.2")
    (distribution,) = [d for d in qi.distributions if d.question == quality]
    associates = next(b for b in distribution.by_reader if b.label == "Associate assessors")
    good = next(f for f in associates.figures if f.code.endswith("-good-raa"))
    found = figure_records(inspection=inspection, figure_code=good.code)
    assert [r.reference for r in found.records] == [records[6].record.reference]


def _count_queries(inspection):
    with CaptureQueriesContext(connection) as context:
        inspection_figures(inspection=inspection)
        qi_evidence(inspection=inspection, code="5.2")
    return len(context.captured_queries)


def test_queries_do_not_grow_with_the_sample(reference_data, django_assert_max_num_queries):
    from tests.inspections.factories import make_inspection

    small = make_inspection()
    build(small, size=10)
    large = make_inspection("inverclyde")
    build(large, size=40)
    small_count = _count_queries(small)
    assert _count_queries(large) == small_count
    with django_assert_max_num_queries(40):
        inspection_figures(inspection=large)


# --- QI evidence page data -------------------------------------------------------------------


def test_qi_evidence_brings_the_sources_together(evidence):
    inspection = evidence["inspection"]
    evidence_note_save(
        inspection=inspection, code="5.2", text="Strong risk work.", by=inspection.lead
    )
    qi = qi_evidence(inspection=inspection, code="5.2")
    assert qi.records == 10
    assert qi.self_assessment.grade == 4
    assert [e.notes for e in qi.discussions] == ["Staff said:\n\n- caseloads were high"]
    assert qi.note.text == "Strong risk work."
    interviews = qi_evidence(inspection=inspection, code="5.4")
    assert interviews.interviewed == 2
    (understood,) = [r for r in interviews.interviews if r.question.code == "understood_order"]
    assert [(row.label, row.numerator, row.denominator) for row in understood.rows] == [
        ("Yes", 1, 2),
        ("No", 1, 2),
        ("Not applicable", 0, 2),
    ]
    assert qi_evidence(inspection=inspection, code="9.9") is None


def test_index_headline_is_the_first_answered_rating_question(evidence):
    inspection, quality = evidence["inspection"], evidence["quality"]
    records, rows = qi_evidence_index(inspection=inspection)
    assert records == 10
    by_code = {row.quality_indicator.code: row for row in rows}
    # The CJSWR questions come first in the tool but nobody answered them.
    assert by_code["5.2"].headline.code == f"5.2-Q{quality.position}-good"
    assert by_code["5.2"].questions > 2
    assert by_code["1.1"].headline is None  # its questions have no answers
    qi = qi_evidence(inspection=inspection, code="5.2")
    assert {d.question.code for d in qi.answered} == {"lscmi_quality", "lscmi_within_20_days"}
    assert "cjswr_quality" in {q.code for q in qi.unanswered}


def test_task_list_links_the_team_to_the_evidence(evidence):
    from inspections.selectors.setup import inspection_tasks

    inspection = evidence["inspection"]
    url = reverse("inspections:evidence_index", kwargs={"pk": inspection.pk})
    tasks = {t.name: t for t in inspection_tasks(inspection=inspection, user=inspection.lead)}
    assert tasks["Evidence by QI"].url == url
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    tasks = {t.name for t in inspection_tasks(inspection=inspection, user=contact)}
    assert "Evidence by QI" not in tasks


# --- Notes -------------------------------------------------------------------------------------


def test_evidence_note_save_is_audited(inspection):
    note = evidence_note_save(inspection=inspection, code="5.2", text="First", by=inspection.lead)
    evidence_note_save(inspection=inspection, code="5.2", text="Second", by=inspection.lead)
    note.refresh_from_db()
    assert note.text == "Second"
    event = AuditEvent.objects.filter(action="evidence_note_saved").latest("id")
    assert (event.old_value["text"], event.new_value["text"]) == ("First", "Second")


def test_evidence_note_refuses_a_qi_out_of_scope_and_long_text(inspection):
    with pytest.raises(ApplicationError) as error:
        evidence_note_save(inspection=inspection, code="9.9", text="x", by=inspection.lead)
    assert error.value.message == EVIDENCE_NOTE_QI_NOT_IN_SCOPE.format(code="9.9")
    with pytest.raises(ApplicationError) as error:
        evidence_note_save(inspection=inspection, code="5.2", text="x" * 20_001, by=inspection.lead)
    assert error.value.message == EVIDENCE_NOTE_TOO_LONG
    assert not EvidenceNote.objects.exists()


# --- Pages -------------------------------------------------------------------------------------


def test_team_sees_the_pages_and_each_figure_links_to_its_records(client, evidence):
    inspection, quality = evidence["inspection"], evidence["quality"]
    login(client, evidence["inspector"])
    index = client.get(reverse("inspections:evidence_index", kwargs={"pk": inspection.pk}))
    assert index.status_code == 200
    page_url = reverse("inspections:evidence_qi", kwargs={"pk": inspection.pk, "code": "5.2"})
    assert page_url in index.content.decode()
    page = client.get(page_url)
    html = page.content.decode()
    assert page.status_code == 200
    good = f"5.2-Q{quality.position}-good"
    assert (
        reverse(
            "inspections:evidence_figure_records", kwargs={"pk": inspection.pk, "figure_code": good}
        )
        in html
    )
    assert "The majority of LS/CMI assessments (6 of 9) were good or better" in html
    assert "<li>caseloads were high</li>" in html  # focus group notes rendered as narrative
    assert "Cancelled group notes" not in html
    assert "We assess risk well." in html
    records = client.get(
        reverse(
            "inspections:evidence_figure_records",
            kwargs={"pk": inspection.pk, "figure_code": good},
        )
    )
    assert records.status_code == 200
    assert evidence["records"][1].record.reference in records.content.decode()
    assert evidence["records"][3].record.reference not in records.content.decode()


def test_team_member_saves_a_note_on_the_page(client, evidence):
    inspection = evidence["inspection"]
    login(client, inspection.lead)
    url = reverse("inspections:evidence_qi", kwargs={"pk": inspection.pk, "code": "5.2"})
    response = client.post(url, {"text": "- Risk assessments were timely\n- <script>x</script>"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "<li>Risk assessments were timely</li>" in page
    assert "<script>x</script>" not in page
    assert EvidenceNote.objects.get().updated_by == inspection.lead


@pytest.mark.parametrize("who", ["authority_contact", "co_reader", "outsider"])
def test_people_outside_the_team_get_nothing(client, evidence, who):
    inspection, quality = evidence["inspection"], evidence["quality"]
    user = {
        "authority_contact": lambda: person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"),
        "co_reader": lambda: evidence["co_reader"],
        "outsider": lambda: person(Role.INSPECTOR),
    }[who]()
    login(client, user)
    urls = [
        reverse("inspections:evidence_index", kwargs={"pk": inspection.pk}),
        reverse("inspections:evidence_qi", kwargs={"pk": inspection.pk, "code": "5.2"}),
        reverse(
            "inspections:evidence_figure_records",
            kwargs={"pk": inspection.pk, "figure_code": f"5.2-Q{quality.position}-good"},
        ),
    ]
    expected = 404 if who == "outsider" else 403
    for url in urls:
        response = client.get(url)
        assert response.status_code == expected, url
        assert evidence["records"][1].record.reference not in response.content.decode()
    response = client.post(urls[1], {"text": "Sneaky"})
    assert response.status_code == expected
    assert not EvidenceNote.objects.exists()


def test_manager_sees_but_cannot_write_notes(client, evidence):
    inspection = evidence["inspection"]
    login(client, person(Role.MANAGER))
    url = reverse("inspections:evidence_qi", kwargs={"pk": inspection.pk, "code": "5.2"})
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="text"' not in page.content.decode()
    assert client.post(url, {"text": "No"}).status_code == 403


def test_unknown_qi_or_figure_is_404(client, evidence):
    inspection = evidence["inspection"]
    login(client, evidence["inspector"])
    assert (
        client.get(
            reverse("inspections:evidence_qi", kwargs={"pk": inspection.pk, "code": "9.9"})
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse(
                "inspections:evidence_figure_records",
                kwargs={"pk": inspection.pk, "figure_code": "nothing"},
            )
        ).status_code
        == 404
    )


# --- In Chromium ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_a_team_member_follows_a_figure_to_its_records(
    page, live_server, reference_data, csp_violations
):
    import os

    from playwright.sync_api import expect

    from tests.e2e.helpers import assert_accessible, sign_in
    from tests.inspections.factories import make_inspection

    screenshots = os.environ.get("SCREENSHOTS_DIR")

    def shot(name):
        if screenshots:
            page.screenshot(path=f"{screenshots}/{name}.png", full_page=True)

    inspection = make_inspection()
    data = build(inspection)
    sign_in(page, live_server, inspection.lead)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    page.get_by_role("link", name="Evidence by QI").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence by QI")
    assert_accessible(page)
    shot("evidence_index")
    page.get_by_role("link", name="5.2 ", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Evidence for 5.2")
    page.get_by_text("By stratum and by reader type").first.click()
    assert_accessible(page)
    shot("evidence_qi")
    page.get_by_label("Update the notes").fill("- Risk assessments were timely")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_test_id("note")).to_contain_text("Risk assessments were timely")
    quality = data["quality"]
    page.get_by_test_id(f"question-{quality.code}").get_by_role(
        "link", name="good or better: see the records behind this figure"
    ).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"Records behind figure 5.2-Q{quality.position}-good"
    )
    expect(page.get_by_test_id("figure-records")).to_contain_text(
        data["records"][1].record.reference
    )
    assert_accessible(page)
    shot("evidence_figure_records")
    assert not csp_violations
