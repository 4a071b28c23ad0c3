"""Evaluations (proposed and agreed grades, locking) and recommendations: services and pages."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections import selectors, services
from inspections.models import Evaluation, GradeProposal, Inspection, InspectionQI, Recommendation
from inspections.services.evaluations import (
    GRADE_NOT_ON_SCALE,
    GRADES_MISSING,
    PROPOSAL_RATIONALE_REQUIRED,
    QI_NOT_EVALUATED,
    RECOMMENDATION_PUBLISHED,
    RECOMMENDATION_QI_NOT_REPORTED,
    UNLOCK_REASON_REQUIRED,
)
from qi_framework.models import QualityIndicator
from tests.factories import login, person
from tests.inspections.factories import assign, make_inspection

EVALUATED = ["1.1", "2.1", "5.2", "5.3", "9.4"]


def qi(inspection, code: str) -> QualityIndicator:
    return QualityIndicator.objects.get(framework=inspection.activity.framework, code=code)


def record_all(inspection, *, capacity: bool = True) -> None:
    for code in EVALUATED:
        services.evaluation_record(
            inspection=inspection,
            quality_indicator=qi(inspection, code),
            grade=4,
            rationale=f"Rationale for {code}",
            by=inspection.lead,
        )
    if capacity:
        services.capacity_statement_save(
            inspection=inspection, text="We are confident.", by=inspection.lead
        )


@pytest.fixture
def inspector(inspection):
    return assign(person(Role.INSPECTOR), "inspector", inspection)


# --- Services --------------------------------------------------------------------------------


def test_the_factory_evaluates_five_qis(inspection):
    evaluated = InspectionQI.objects.filter(inspection=inspection, evaluated=True)
    assert sorted(evaluated.values_list("quality_indicator__code", flat=True)) == EVALUATED


def test_inspector_proposes_and_changes_a_grade_audited(inspection, inspector):
    services.grade_propose(
        inspection=inspection,
        quality_indicator=qi(inspection, "1.1"),
        grade="5",
        rationale="Good outcomes",
        by=inspector,
    )
    services.grade_propose(
        inspection=inspection,
        quality_indicator=qi(inspection, "1.1"),
        grade=4,
        rationale="Good outcomes, fewer than hoped",
        by=inspector,
    )
    proposal = GradeProposal.objects.get()
    assert proposal.grade == 4
    events = AuditEvent.objects.filter(action="evaluation.propose").order_by("pk")
    assert [(e.old_value, e.new_value["grade"]) for e in events] == [
        (None, 5),
        ({"grade": 5, "rationale": "Good outcomes"}, 4),
    ]
    assert events[0].actor == inspector


def test_proposals_only_for_evaluated_qis_on_the_scale_with_rationale(inspection, inspector):
    reported = InspectionQI.objects.filter(inspection=inspection, evaluated=False).first()
    with pytest.raises(ApplicationError) as excinfo:
        services.grade_propose(
            inspection=inspection,
            quality_indicator=reported.quality_indicator,
            grade=4,
            rationale="x",
            by=inspector,
        )
    assert excinfo.value.message == QI_NOT_EVALUATED.format(qi=reported.quality_indicator)
    with pytest.raises(ApplicationError, match=GRADE_NOT_ON_SCALE):
        services.grade_propose(
            inspection=inspection,
            quality_indicator=qi(inspection, "1.1"),
            grade=7,
            rationale="x",
            by=inspector,
        )
    with pytest.raises(ApplicationError, match=PROPOSAL_RATIONALE_REQUIRED):
        services.grade_propose(
            inspection=inspection,
            quality_indicator=qi(inspection, "1.1"),
            grade=4,
            rationale="  ",
            by=inspector,
        )
    assert not GradeProposal.objects.exists()


def test_lead_records_evaluation_audited_old_and_new(inspection):
    services.evaluation_record(
        inspection=inspection,
        quality_indicator=qi(inspection, "5.2"),
        grade=None,
        rationale="Draft",
        by=inspection.lead,
    )
    evaluation = services.evaluation_record(
        inspection=inspection,
        quality_indicator=qi(inspection, "5.2"),
        grade=3,
        rationale="Adequate",
        strengths="Staff",
        areas_for_improvement="Risk",
        by=inspection.lead,
    )
    assert (evaluation.grade, evaluation.agreed_by) == (3, inspection.lead)
    last = AuditEvent.objects.filter(action="evaluation.record").latest("pk")
    assert last.old_value["grade"] is None and last.old_value["rationale"] == "Draft"
    assert last.new_value == {
        "grade": 3,
        "rationale": "Adequate",
        "strengths": "Staff",
        "areas_for_improvement": "Risk",
    }


def test_agree_refuses_and_lists_what_is_missing(inspection):
    services.evaluation_record(
        inspection=inspection,
        quality_indicator=qi(inspection, "1.1"),
        grade=5,
        rationale="",
        by=inspection.lead,
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.grades_agree(inspection=inspection, by=inspection.lead)
    assert excinfo.value.message == GRADES_MISSING
    missing = excinfo.value.extra["missing"]
    assert missing[0].startswith("1.1 ") and missing[0].endswith("needs a rationale")
    assert missing[1].startswith("2.1 ") and "an agreed grade and a rationale" in missing[1]
    assert len(missing) == 6
    assert missing[-1] == "The capacity for improvement statement is needed"
    assert not services.grades_locked(inspection=inspection)


def test_agree_locks_and_everything_is_refused_until_unlocked(inspection, inspector):
    record_all(inspection)
    services.grades_agree(inspection=inspection, by=inspection.lead)
    assert services.grades_locked(inspection=inspection)
    agree = AuditEvent.objects.get(action="evaluation.agree")
    assert agree.new_value["grades"] == dict.fromkeys(EVALUATED, 4)

    attempts = [
        lambda: services.grade_propose(
            inspection=inspection,
            quality_indicator=qi(inspection, "1.1"),
            grade=4,
            rationale="x",
            by=inspector,
        ),
        lambda: services.evaluation_record(
            inspection=inspection,
            quality_indicator=qi(inspection, "1.1"),
            grade=6,
            rationale="x",
            by=inspection.lead,
        ),
        lambda: services.capacity_statement_save(
            inspection=inspection, text="Changed", by=inspection.lead
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError, match="are locked") as excinfo:
            attempt()
        assert excinfo.value.extra["locked"] is True
    assert Evaluation.objects.get(quality_indicator__code="1.1").grade == 4

    with pytest.raises(ApplicationError, match=UNLOCK_REASON_REQUIRED):
        services.grades_unlock(inspection=inspection, reason=" ", by=inspection.lead)
    services.grades_unlock(inspection=inspection, reason="New evidence on 1.1", by=inspection.lead)
    unlock = AuditEvent.objects.get(action="evaluation.unlock")
    assert unlock.new_value == {"locked": False, "reason": "New evidence on 1.1"}
    assert unlock.detail == "New evidence on 1.1"
    attempts[1]()
    assert Evaluation.objects.get(quality_indicator__code="1.1").grade == 6


def test_recommendations_tied_to_reported_qis_until_publication(inspection):
    framework = inspection.activity.framework
    outside = QualityIndicator.objects.filter(framework=framework).exclude(
        pk__in=InspectionQI.objects.filter(inspection=inspection).values("quality_indicator")
    )[0]
    with pytest.raises(ApplicationError) as excinfo:
        services.recommendation_create(
            inspection=inspection,
            kind="recommendation",
            text="Improve",
            quality_indicators=[outside],
            by=inspection.lead,
        )
    assert excinfo.value.message == RECOMMENDATION_QI_NOT_REPORTED.format(qi=outside)
    recommendation = services.recommendation_create(
        inspection=inspection,
        kind="recommendation",
        text="Improve risk assessment",
        quality_indicators=[qi(inspection, "5.2")],
        by=inspection.lead,
    )
    assert recommendation.position == 1
    services.recommendation_update(
        recommendation=recommendation,
        kind="area_for_improvement",
        text="Improve risk assessment",
        quality_indicators=[qi(inspection, "5.2"), qi(inspection, "5.3")],
        by=inspection.lead,
    )
    update = AuditEvent.objects.get(action="recommendation.update")
    assert update.old_value["qis"] == ["5.2"]
    assert update.new_value == {
        "kind": "area_for_improvement",
        "text": "Improve risk assessment",
        "qis": ["5.2", "5.3"],
    }
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.PUBLISHED)
    inspection.refresh_from_db()
    recommendation.refresh_from_db()
    with pytest.raises(ApplicationError, match=RECOMMENDATION_PUBLISHED):
        services.recommendation_delete(recommendation=recommendation, by=inspection.lead)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.REPORTING)
    recommendation.refresh_from_db()
    services.recommendation_delete(recommendation=recommendation, by=inspection.lead)
    assert not Recommendation.objects.exists()
    assert AuditEvent.objects.filter(action="recommendation.delete").count() == 1


def test_overview_in_few_queries(inspection, inspector, django_assert_max_num_queries):
    for code in EVALUATED:
        services.grade_propose(
            inspection=inspection,
            quality_indicator=qi(inspection, code),
            grade=4,
            rationale="x",
            by=inspector,
        )
    record_all(inspection, capacity=False)
    with django_assert_max_num_queries(4):
        rows = selectors.evaluation_overview(inspection=inspection, user=inspector)
        assert [r.quality_indicator.code for r in rows] == EVALUATED
        assert all(r.own_proposal and r.evaluation.grade == 4 for r in rows)
        assert [p.proposed_by.name for p in rows[0].proposals] == [inspector.name]
        assert rows[0].evaluation.grade_label == "4 – Good"


# --- Pages -----------------------------------------------------------------------------------


def urls_of(inspection, recommendation=None) -> list[str]:
    pk = inspection.pk
    urls = [
        reverse("inspections:evaluation_list", args=[pk]),
        reverse("inspections:evaluation_propose", args=[pk, "1.1"]),
        reverse("inspections:evaluation_record", args=[pk, "1.1"]),
        reverse("inspections:evaluation_capacity", args=[pk]),
        reverse("inspections:evaluation_agree", args=[pk]),
        reverse("inspections:evaluation_unlock", args=[pk]),
        reverse("inspections:recommendation_list", args=[pk]),
        reverse("inspections:recommendation_create", args=[pk]),
    ]
    if recommendation:
        urls += [
            reverse("inspections:recommendation_update", args=[recommendation.pk]),
            reverse("inspections:recommendation_delete", args=[recommendation.pk]),
        ]
    return urls


@pytest.fixture
def recommendation(inspection):
    return services.recommendation_create(
        inspection=inspection,
        kind="recommendation",
        text="Improve",
        quality_indicators=[qi(inspection, "5.2")],
        by=inspection.lead,
    )


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.AUTHORITY_CONTACT, None),
        (Role.LOCAL_COORDINATOR, None),
        (Role.LOCAL_COORDINATOR, "local_coordinator"),
        (Role.AUTHORITY_CONTACT, "local_co_reader"),
    ],
)
def test_authority_staff_and_co_readers_never_see_grades(
    client, inspection, recommendation, role, kind
):
    user = person(role, "west-dunbartonshire")
    if kind:
        assign(user, kind, inspection)
    login(client, user)
    for url in urls_of(inspection, recommendation):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"grade": "4", "rationale": "x"}).status_code == 403, url
    assert not GradeProposal.objects.exists()


def test_other_authority_gets_404_everywhere(client, inspection, recommendation):
    login(client, person(Role.AUTHORITY_CONTACT, "inverclyde"))
    for url in urls_of(inspection, recommendation):
        assert client.get(url).status_code == 404, url


def test_inspector_may_propose_but_not_record_or_agree(client, inspection, inspector):
    login(client, inspector)
    assert client.get(urls_of(inspection)[0]).status_code == 200
    url = reverse("inspections:evaluation_propose", args=[inspection.pk, "2.1"])
    page = client.get(url)
    assert page.status_code == 200
    assert "6 – Excellent" in page.content.decode()
    response = client.post(url, {"grade": "5", "rationale": "Strong leadership"})
    assert response.status_code == 302
    assert GradeProposal.objects.get().proposed_by == inspector
    assert (
        client.get(
            reverse("inspections:evaluation_record", args=[inspection.pk, "2.1"])
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("inspections:evaluation_agree", args=[inspection.pk])).status_code
        == 403
    )


def test_associate_assessor_may_propose(client, inspection):
    associate = assign(person(Role.INSPECTOR, "inverclyde"), "associate_assessor", inspection)
    login(client, associate)
    url = reverse("inspections:evaluation_propose", args=[inspection.pk, "9.4"])
    assert client.post(url, {"grade": "3", "rationale": "Adequate"}).status_code == 302


def test_propose_page_404_for_a_qi_not_evaluated(client, inspection):
    reported = InspectionQI.objects.filter(inspection=inspection, evaluated=False).first()
    login(client, inspection.lead)
    url = reverse(
        "inspections:evaluation_propose", args=[inspection.pk, reported.quality_indicator.code]
    )
    assert client.get(url).status_code == 404


def test_missing_rationale_shows_error_and_keeps_input(client, inspection):
    login(client, inspection.lead)
    url = reverse("inspections:evaluation_propose", args=[inspection.pk, "1.1"])
    response = client.post(url, {"grade": "5", "rationale": ""})
    assert response.status_code == 200
    assert "Enter the rationale" in response.content.decode()
    assert re.search(r'value="5"\s+checked', response.content.decode())


def test_agree_page_lists_missing_then_locks(client, inspection, inspector):
    login(client, inspection.lead)
    url = reverse("inspections:evaluation_agree", args=[inspection.pk])
    response = client.post(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert GRADES_MISSING in body and "9.4" in body
    record_all(inspection)
    response = client.post(url, follow=True)
    assert "are locked" in response.content.decode()
    login(client, inspector)
    propose = reverse("inspections:evaluation_propose", args=[inspection.pk, "1.1"])
    response = client.post(propose, {"grade": "5", "rationale": "x"})
    assert response.status_code == 200
    assert "are locked" in response.content.decode()
    assert not GradeProposal.objects.exists()


def test_unlock_needs_a_reason(client, inspection):
    record_all(inspection)
    services.grades_agree(inspection=inspection, by=inspection.lead)
    login(client, inspection.lead)
    url = reverse("inspections:evaluation_unlock", args=[inspection.pk])
    response = client.post(url, {"reason": ""})
    assert "Enter why the grades need to be unlocked" in response.content.decode()
    assert services.grades_locked(inspection=inspection)
    assert client.post(url, {"reason": "Factual accuracy"}).status_code == 302
    assert not services.grades_locked(inspection=inspection)


def test_recommendation_pages_escape_html_and_offer_only_reported_qis(client, inspection):
    login(client, inspection.lead)
    url = reverse("inspections:recommendation_create", args=[inspection.pk])
    page = client.get(url).content.decode()
    reported = InspectionQI.objects.filter(inspection=inspection).count()
    assert page.count('name="quality_indicators"') == reported
    target = qi(inspection, "5.2")
    response = client.post(
        url,
        {
            "kind": "recommendation",
            "text": "<script>alert(1)</script> Improve",
            "quality_indicators": [str(target.pk)],
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("inspections:recommendation_list", args=[inspection.pk]))
    content = body.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content
    assert "5.2 " in content


def test_other_inspections_lead_gets_404(client, inspection, recommendation):
    other = make_inspection("inverclyde")
    login(client, other.lead)
    for url in urls_of(inspection, recommendation):
        assert client.get(url).status_code == 404, url
