"""Report versions: drafts, approval and publication, immutability, the feedback questionnaire
sent to the authority, and who sees which versions."""

import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from improvement.models import ImprovementPlan
from inspections import services
from inspections.models import (
    FeedbackRequest,
    Inspection,
    ReportSection,
    ReportVersion,
    ReportVersionFrozen,
)
from inspections.services.report_versions import (
    FEEDBACK_NOT_PUBLISHED,
    PUBLISH_FIGURES_MISSING,
    PUBLISH_GRADES_NOT_LOCKED,
    PUBLISH_NOT_MANAGER,
    PUBLISH_REASON_REQUIRED,
    PUBLISH_WRONG_STATUS,
    REPORT_DRAFT_TOO_EARLY,
)
from qi_framework.models import QualityIndicator, ResponseLink
from reports.models import Document
from tests.factories import login, person
from tests.inspections.factories import assign, make_inspection

EVALUATED = ["1.1", "2.1", "5.2", "5.3", "9.4"]
S = Inspection.Status
V = ReportVersion.Status


def qi(inspection, code: str) -> QualityIndicator:
    return QualityIndicator.objects.get(framework=inspection.activity.framework, code=code)


def agree_grades(inspection) -> None:
    for code in EVALUATED:
        services.evaluation_record(
            inspection=inspection,
            quality_indicator=qi(inspection, code),
            grade=2 if code in {"1.1", "5.2"} else 4,
            rationale=f"Rationale for {code}",
            by=inspection.lead,
        )
    services.capacity_statement_save(
        inspection=inspection, text="We are confident.", by=inspection.lead
    )
    services.grades_agree(inspection=inspection, by=inspection.lead)


def to_reporting(inspection) -> Inspection:
    Inspection.objects.filter(pk=inspection.pk).update(status=S.REPORTING)
    inspection.refresh_from_db()
    return inspection


def make_ready(document: Document, content: bytes = b"%PDF-1.7 test") -> Document:
    """Store a file for a document as a worker would (the render itself is tested in reports)."""
    import hashlib

    document.file.save(f"test-{document.pk}.pdf", ContentFile(content), save=False)
    Document.objects.filter(pk=document.pk).update(
        state=Document.State.READY,
        file=document.file.name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        page_count=1,
    )
    document.refresh_from_db()
    return document


@pytest.fixture
def manager(reference_data):
    return person(Role.MANAGER)


@pytest.fixture
def contact(reference_data):
    return person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")


@pytest.fixture
def ready(inspection, contact):
    """West Dunbartonshire at "reporting", grades agreed and locked, one contact."""
    agree_grades(inspection)
    return to_reporting(inspection)


def publish(inspection, manager, capture, **kwargs) -> ReportVersion:
    with capture(execute=True):
        return services.report_publish(inspection=inspection, by=manager, **kwargs)


# --- Drafts ------------------------------------------------------------------------------------


def test_a_draft_is_made_empty_and_its_content_is_taken_once_when_rendered(ready):
    lead = ready.lead
    first = services.report_draft_request(inspection=ready, by=lead)
    assert (first.number, first.status) == (1, V.DRAFT)
    assert first.document.kind == "inspection_report"
    assert first.document.subject == first
    # The request takes no snapshot: that is the worker's job, so asking is quick.
    assert first.content == {}

    # A second click while the draft waits for its worker asks for nothing new.
    again = services.report_draft_request(inspection=ready, by=lead)
    assert again.pk == first.pk
    assert ReportVersion.objects.count() == 1

    prepared = services.report_version_prepare(version=first)
    assert [e["code"] for e in prepared.content["evaluations"]] == EVALUATED
    # Taken once: a retried render prints the same.
    section = ReportSection.objects.filter(inspection=ready).first()
    section.body = "Most people said their worker listened."
    section.save()
    assert services.report_version_prepare(version=first).content == prepared.content

    second = services.report_draft_request(inspection=ready, by=lead)
    assert (second.number, second.status) == (2, V.DRAFT)
    assert second.document_id != first.document_id
    assert "Most people said" in str(services.report_version_prepare(version=second).content)
    first.refresh_from_db()
    assert "Most people said" not in str(first.content)
    assert AuditEvent.objects.filter(action="report_draft_made").count() == 2


def test_no_draft_before_fieldwork_is_over(inspection):
    with pytest.raises(ApplicationError) as error:
        services.report_draft_request(inspection=inspection, by=inspection.lead)
    assert error.value.message == REPORT_DRAFT_TOO_EARLY.format(status="Planned")
    assert not ReportVersion.objects.exists()


# --- Publication rules -------------------------------------------------------------------------


def test_only_a_manager_may_publish(ready):
    with pytest.raises(ApplicationError) as error:
        services.report_publish(inspection=ready, by=ready.lead)
    assert error.value.message == PUBLISH_NOT_MANAGER
    assert not ReportVersion.objects.exists()


def test_grades_must_be_agreed_and_locked(inspection, manager):
    to_reporting(inspection)
    with pytest.raises(ApplicationError) as error:
        services.report_publish(inspection=inspection, by=manager)
    assert error.value.message == PUBLISH_GRADES_NOT_LOCKED
    assert not ReportVersion.objects.exists()


def test_the_inspection_must_be_at_reporting(inspection, manager):
    agree_grades(inspection)
    Inspection.objects.filter(pk=inspection.pk).update(status=S.EVALUATION)
    with pytest.raises(ApplicationError) as error:
        services.report_publish(inspection=inspection, by=manager)
    assert error.value.message == PUBLISH_WRONG_STATUS.format(status="Evaluation")
    assert not ReportVersion.objects.exists()


def test_publishing_freezes_a_version_its_register_and_moves_the_inspection(
    ready, manager, django_capture_on_commit_callbacks
):
    services.report_draft_request(inspection=ready, by=ready.lead)
    version = publish(ready, manager, django_capture_on_commit_callbacks)
    assert (version.number, version.status) == (2, V.PUBLISHED)
    assert version.approved_by == manager and version.published_at is not None
    assert version.document.kind == "inspection_report"
    register = version.figure_register
    assert register is not None and register.is_frozen
    assert register.document_id == version.document_id
    assert register.figures.count() == len(version.content["figures"])
    ready.refresh_from_db()
    # Published, then the improvement plan opened (which moves it on to monitoring).
    assert ready.status == S.IMPROVEMENT
    assert ImprovementPlan.objects.filter(inspection=ready).exists()
    moves = AuditEvent.objects.filter(action="inspection_status_changed", object_id=str(ready.pk))
    assert ("reporting", "published") in {(e.old_value, e.new_value) for e in moves}
    event = AuditEvent.objects.get(action="report_published")
    assert event.new_value["number"] == 2 and event.actor == manager
    # The draft stays as it was.
    assert ReportVersion.objects.get(number=1).status == V.DRAFT


def test_a_new_version_needs_a_reason_and_keeps_the_earlier_one(
    ready, manager, django_capture_on_commit_callbacks
):
    first = publish(ready, manager, django_capture_on_commit_callbacks)
    ready.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        services.report_publish(inspection=ready, by=manager, reason="  ")
    assert error.value.message == PUBLISH_REASON_REQUIRED
    assert ReportVersion.objects.count() == 1

    second = publish(
        ready, manager, django_capture_on_commit_callbacks, reason="A figure was mislabelled."
    )
    first.refresh_from_db()
    assert first.status == V.SUPERSEDED and first.superseded_at is not None
    assert first.content == ReportVersion.objects.get(pk=first.pk).content
    assert (second.number, second.status, second.reason) == (
        2,
        V.PUBLISHED,
        "A figure was mislabelled.",
    )
    assert AuditEvent.objects.get(action="report_version_superseded").object_id == str(first.pk)
    assert first.figure_register.is_frozen and second.figure_register.is_frozen
    assert first.figure_register_id != second.figure_register_id
    # A correction does not send the questionnaire again.
    assert FeedbackRequest.objects.count() == 1


def test_a_report_that_refers_to_a_missing_figure_is_not_published(ready, manager):
    services.report_sections_ensure(inspection=ready)
    ReportSection.objects.filter(inspection=ready, key="outcomes").update(
        body="Most records ([[figure:gone-1]]) showed progress."
    )
    with pytest.raises(ApplicationError) as error:
        services.report_publish(inspection=ready, by=manager)
    assert error.value.message == PUBLISH_FIGURES_MISSING.format(codes="gone-1")
    assert not ReportVersion.objects.exists()
    ready.refresh_from_db()
    assert ready.status == S.REPORTING


# --- Immutability ------------------------------------------------------------------------------


def test_a_published_version_cannot_be_changed_by_saving_the_model(
    ready, manager, django_capture_on_commit_callbacks
):
    version = publish(ready, manager, django_capture_on_commit_callbacks)
    original = ReportVersion.objects.get(pk=version.pk).content
    version.content = {**version.content, "capacity_statement": "Rewritten"}
    with pytest.raises(ReportVersionFrozen):
        version.save()
    fresh = ReportVersion.objects.get(pk=version.pk)
    fresh.status = V.DRAFT
    with pytest.raises(ReportVersionFrozen):
        fresh.save()
    with pytest.raises(ReportVersionFrozen):
        ReportVersion.objects.get(pk=version.pk).delete()
    assert ReportVersion.objects.get(pk=version.pk).content == original


@pytest.mark.postgres
def test_the_database_refuses_changes_to_a_published_version(
    ready, manager, django_capture_on_commit_callbacks
):
    version = publish(ready, manager, django_capture_on_commit_callbacks)
    for statement in (
        "UPDATE inspections_reportversion SET content = '{}'::jsonb WHERE id = %s",
        "UPDATE inspections_reportversion SET status = 'draft' WHERE id = %s",
        "DELETE FROM inspections_reportversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [version.pk])
    assert ReportVersion.objects.get(pk=version.pk).status == V.PUBLISHED


def test_the_sha256_is_copied_once_the_pdf_is_ready(
    ready, manager, client, django_capture_on_commit_callbacks
):
    version = publish(ready, manager, django_capture_on_commit_callbacks)
    url = reverse("inspections:report_version_list", args=[ready.pk])
    login(client, manager)
    Document.objects.filter(pk=version.document_id).update(state=Document.State.QUEUED)
    client.get(url)
    version.refresh_from_db()
    assert version.sha256 == ""
    document = make_ready(version.document)
    page = client.get(url).content.decode()
    version.refresh_from_db()
    assert version.sha256 == document.sha256 and len(version.sha256) == 64
    assert document.sha256[:32] in page and document.sha256[32:] in page
    # Set once: it never changes afterwards.
    version.sha256 = "0" * 64
    with pytest.raises(ReportVersionFrozen):
        version.save()


def test_the_pdf_cell_polls_and_then_shows_the_download(
    ready, manager, client, django_capture_on_commit_callbacks
):
    version = publish(ready, manager, django_capture_on_commit_callbacks)
    Document.objects.filter(pk=version.document_id).update(state=Document.State.QUEUED)
    login(client, manager)
    url = reverse("inspections:report_version_status", args=[ready.pk, version.number])
    assert client.get(url, {"shown": "queued"}).status_code == 204
    make_ready(version.document)
    cell = client.get(url, {"shown": "queued"}).content.decode()
    assert "Download the PDF" in cell and "hx-get" not in cell
    version.refresh_from_db()
    assert version.sha256[:32] in cell and version.sha256[32:] in cell


# --- The feedback questionnaire ----------------------------------------------------------------


def _token(message) -> str:
    return re.search(r"/r/([A-Za-z0-9_-]+)/", message.body).group(1)


def test_first_publication_emails_the_authority_contacts_a_single_use_link_once(
    ready, manager, contact, mailoutbox, django_capture_on_commit_callbacks
):
    other_authority = person(Role.AUTHORITY_CONTACT, "inverclyde")
    second_contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    coordinator = person(Role.LOCAL_COORDINATOR, "west-dunbartonshire")
    publish(ready, manager, django_capture_on_commit_callbacks)
    addresses = sorted(address for message in mailoutbox for address in message.to)
    assert addresses == sorted([contact.email, second_contact.email])
    assert other_authority.email not in addresses and coordinator.email not in addresses
    tokens = {_token(message) for message in mailoutbox}
    assert len(tokens) == 1
    request = FeedbackRequest.objects.get()
    assert request.recipients == 2 and request.link.single_use
    assert request.link.subject == ready
    assert Client().get(f"/r/{tokens.pop()}/").status_code == 200

    mailoutbox.clear()
    ready.refresh_from_db()
    publish(ready, manager, django_capture_on_commit_callbacks, reason="Corrected a typing error.")
    assert mailoutbox == [] and FeedbackRequest.objects.count() == 1
    for entry in AuditEvent.objects.all():
        assert "/r/" not in str(entry.new_value) + entry.detail


def test_the_lead_sends_a_new_link_to_one_contact(
    ready, manager, contact, client, mailoutbox, django_capture_on_commit_callbacks
):
    publish(ready, manager, django_capture_on_commit_callbacks)
    old = FeedbackRequest.objects.get()
    other = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire", name="Zoe Other")
    mailoutbox.clear()
    login(client, ready.lead)
    url = reverse("inspections:report_feedback_send", args=[ready.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"recipients": [str(other.pk)]})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [[other.email]]
    old.link.refresh_from_db()
    assert old.link.revoked_at is not None
    assert FeedbackRequest.objects.count() == 2


def test_the_questionnaire_is_not_sent_before_publication(ready):
    with pytest.raises(ApplicationError) as error:
        services.inspection_feedback_request_send(inspection=ready, by=ready.lead)
    assert error.value.message == FEEDBACK_NOT_PUBLISHED
    assert not ResponseLink.objects.exists()


def test_an_inspector_cannot_send_the_questionnaire(
    ready, manager, client, django_capture_on_commit_callbacks
):
    publish(ready, manager, django_capture_on_commit_callbacks)
    inspector = assign(person(Role.INSPECTOR), "inspector", ready)
    login(client, inspector)
    url = reverse("inspections:report_feedback_send", args=[ready.pk])
    assert client.post(url, {}).status_code == 403
    assert FeedbackRequest.objects.count() == 1


# --- Pages and scoping -------------------------------------------------------------------------


def test_manager_publishes_through_the_confirmation_page(
    ready, manager, client, django_capture_on_commit_callbacks
):
    login(client, manager)
    url = reverse("inspections:report_publish", args=[ready.pk])
    page = client.get(url).content.decode()
    assert "What will be published" in page and "2 – Weak" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert ReportVersion.objects.get().status == V.PUBLISHED

    page = client.get(url).content.decode()
    assert "Publish a new version of the report" in page
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "Enter why this new version replaces the published report" in response.content.decode()
    assert ReportVersion.objects.count() == 1


def test_the_lead_cannot_open_the_publish_page(ready, client):
    login(client, ready.lead)
    assert client.get(reverse("inspections:report_publish", args=[ready.pk])).status_code == 403
    assert client.post(reverse("inspections:report_publish", args=[ready.pk])).status_code == 403


def test_the_lead_makes_a_draft_from_the_versions_page(ready, client):
    login(client, ready.lead)
    list_url = reverse("inspections:report_version_list", args=[ready.pk])
    assert "Make a draft PDF" in client.get(list_url).content.decode()
    response = client.post(reverse("inspections:report_draft", args=[ready.pk]))
    assert response.status_code == 302
    page = client.get(list_url).content.decode()
    assert "Draft version 1 of the report is being made" in page
    assert 'data-testid="version-status-1">Draft<' in page


def test_the_authority_sees_only_published_versions_of_its_own_inspection(
    ready, manager, contact, client, django_capture_on_commit_callbacks
):
    services.report_draft_request(inspection=ready, by=ready.lead)
    first = publish(ready, manager, django_capture_on_commit_callbacks)
    ready.refresh_from_db()
    second = publish(ready, manager, django_capture_on_commit_callbacks, reason="Correction.")
    make_ready(second.document)
    login(client, contact)
    url = reverse("inspections:report_version_list", args=[ready.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="version-status-3">Published<' in page
    assert 'data-testid="version-status-2">Superseded<' in page
    assert "version-status-1" not in page  # the draft
    assert "Make a draft PDF" not in page
    assert reverse("inspections:report_publish", args=[ready.pk]) not in page
    assert first.number == 2
    status_url = reverse("inspections:report_version_status", args=[ready.pk, 1])
    assert client.get(status_url).status_code == 404
    assert client.post(reverse("inspections:report_draft", args=[ready.pk])).status_code == 403


def test_another_authority_contact_gets_nothing(
    ready, manager, client, django_capture_on_commit_callbacks
):
    publish(ready, manager, django_capture_on_commit_callbacks)
    stranger = person(Role.AUTHORITY_CONTACT, "inverclyde")
    login(client, stranger)
    for url in (
        reverse("inspections:report_version_list", args=[ready.pk]),
        reverse("inspections:report_version_status", args=[ready.pk, 1]),
        reverse("inspections:report_publish", args=[ready.pk]),
        reverse("inspections:report_feedback_send", args=[ready.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_an_inspector_elsewhere_gets_nothing(ready, client):
    services.report_draft_request(inspection=ready, by=ready.lead)
    other = make_inspection("inverclyde")
    login(client, other.lead)
    url = reverse("inspections:report_version_list", args=[ready.pk])
    assert client.get(url).status_code == 404


# --- Demo data ---------------------------------------------------------------------------------


def test_the_demo_publishes_the_five_inspections_once(settings, reference_data, mailoutbox):
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from inspections.models import Evaluation, VerbalFeedback
    from qi_framework.models import Response

    settings.DEBUG = True
    for _ in range(2):
        call_command("load_demo", quiet_logins=True)
    published = ReportVersion.objects.filter(status=V.PUBLISHED).select_related(
        "inspection__activity__authority", "figure_register"
    )
    assert len({v.inspection_id for v in published}) == published.count() == 5
    assert ReportVersion.objects.count() == 5
    assert all(v.figure_register.is_frozen and v.document_id for v in published)
    assert {v.inspection.status for v in published} <= {S.PUBLISHED, S.IMPROVEMENT}
    wd = next(
        v.inspection
        for v in published
        if v.inspection.activity.authority.slug == "west-dunbartonshire"
    )
    weak = Evaluation.objects.filter(inspection=wd, grade=2).values_list(
        "quality_indicator__code", flat=True
    )
    assert sorted(weak) == ["1.1", "5.2", "5.3", "9.4"]
    assert VerbalFeedback.objects.count() == 5
    inspection_type = ContentType.objects.get_for_model(Inspection)
    assert Response.objects.filter(link__subject_type=inspection_type).count() == 2
    assert not any("/r/" in message.body for message in mailoutbox)
