"""The review's outputs: each area's reports are its own, the national report's narrative, and
its figure register, built with each revision and frozen at publication."""

import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from qi_framework.responses import form_token_issue, response_link_create, response_submit
from reports.models import Document, FigureRegister
from reports.services import document_html, document_render, document_request
from tests.factories import login, person
from tests.throughcare.test_triangulation import build
from throughcare.models import ReviewRecommendation, ThematicReview
from throughcare.services.outputs import (
    REPORT_PUBLISHED,
    national_report_publish,
    national_report_request,
    national_report_revision,
    report_narrative_update,
)

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture
def built(framework):
    return build(framework)


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _rendered(document: Document) -> Path:
    document = document_render(document_id=document.pk)
    assert document.state == Document.State.READY, document.failure_reason
    return Path(settings.MEDIA_ROOT) / document.file.name


@pytest.mark.django_db
def test_an_area_contact_downloads_their_own_reports_and_nothing_of_another_area(client, built):
    own = document_request(kind="throughcare_area_analysis", subject=built.glasgow, by=built.lead)
    other = document_request(kind="throughcare_area_analysis", subject=built.wd, by=built.lead)
    summary = document_request(
        kind="throughcare_staff_survey_summary", subject=built.glasgow, by=built.lead
    )
    for document in (own, other, summary):
        _rendered(document)
    contact = person(Role.AUTHORITY_CONTACT, "glasgow-city")
    login(client, contact)

    page = client.get(reverse("throughcare:output_area", args=[built.review.pk, built.glasgow.pk]))
    assert page.status_code == 200
    assert reverse("reports:document_download", args=[own.pk]) in page.content.decode()
    download = client.get(reverse("reports:document_download", args=[own.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    download = client.get(reverse("reports:document_download", args=[summary.pk]))
    assert download.status_code == 200

    # Another area's reports page, documents and requests: nothing.
    page = client.get(reverse("throughcare:output_area", args=[built.review.pk, built.wd.pk]))
    assert page.status_code == 404
    for name in ("reports:document_download", "reports:document_detail"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 403
    asked = client.post(
        reverse("reports:document_request", args=["throughcare_area_analysis", built.wd.pk])
    )
    assert asked.status_code == 403
    # Nor the analysis or the national report before it is published.
    assert (
        client.get(reverse("throughcare:output_national", args=[built.review.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_a_co_reader_or_co_ordinator_does_not_see_the_area_reports(client, built):
    login(client, person(Role.LOCAL_COORDINATOR, "glasgow-city"))
    page = client.get(reverse("throughcare:output_area", args=[built.review.pk, built.glasgow.pk]))
    assert page.status_code == 404


@pytest.mark.django_db
def test_the_area_reports_print_the_areas_own_numbers(built):
    analysis = document_request(
        kind="throughcare_area_analysis", subject=built.glasgow, by=built.lead
    )
    text = " ".join(_text(_rendered(analysis)).split())
    assert "File reading analysis" in text and "Glasgow City" in text
    assert "We read 4 records of the 5 in the sample" in text
    assert "Parole licence" in text or "Parole" in text
    assert "(3 of 4) were rated good or better" in text  # Glasgow's own: moderated 2 → 4
    assert "West Dunbartonshire" not in text

    summary = document_request(
        kind="throughcare_staff_survey_summary", subject=built.glasgow, by=built.lead
    )
    html = document_html(document=summary)
    assert "3 members of staff answered the survey, of the 10 it went to" in html
    assert "3 of 10" in html
    assert "Training" in html and "Parole hearings" in html
    assert "Said agree" not in html  # free text is never printed, only its themes
    other = document_request(
        kind="throughcare_staff_survey_summary", subject=built.wd, by=built.lead
    )
    html = document_html(document=other)
    assert "2 members of staff answered the survey" in html
    assert "Training" not in html  # the themes tagged were on Glasgow's answers


@pytest.mark.django_db
def test_the_review_team_writes_the_narrative_and_the_report_prints_it(client, built):
    login(client, built.lead)
    url = reverse("throughcare:output_national", args=[built.review.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Conclusion on assurance" in page.content.decode()
    response = client.post(
        url,
        {
            "introduction": "We were asked to review throughcare.",
            "conclusion": "We were assured.\n\n" + HOSTILE,
            "strengths_5.2": "Risk management plans were of a high standard.",
        },
    )
    assert response.status_code == 302
    review = ThematicReview.objects.get(pk=built.review.pk)
    assert review.narrative["conclusion"].startswith("We were assured.")
    assert review.narrative["strengths_5.2"] == "Risk management plans were of a high standard."
    event = AuditEvent.objects.get(action="review_report_narrative_changed")
    assert event.new_value["introduction"] == "We were asked to review throughcare."

    document = national_report_request(review=review, by=built.lead)
    html = document_html(document=document)
    assert "Risk management plans were of a high standard." in html
    assert "<script>" not in html and "&lt;script&gt;" in html

    # Someone outside the team may not write it.
    login(client, person(Role.INSPECTOR))
    assert client.post(url, {"conclusion": "Not mine."}).status_code == 404
    assert "Not mine." not in ThematicReview.objects.get(pk=review.pk).narrative.values()


@pytest.mark.django_db
def test_the_register_is_built_with_each_revision_and_frozen_at_publication(client, built):
    review = built.review
    ReviewRecommendation.objects.create(
        review=review, text="Build a learning pathway.", owner="Scottish Government", position=1
    )
    first = national_report_request(review=review, by=built.lead)
    register = FigureRegister.objects.get(document=first)
    assert not register.is_frozen
    records = register.figures.get(code="M-records")
    assert (records.numerator, records.denominator) == (7, 16)
    assert {r["reference"] for r in records.records} >= {"GC-000", "WD-002"}
    assert national_report_request(review=review, by=built.lead) == first  # same data, same doc
    assert FigureRegister.objects.filter(document=first).count() == 1

    # A narrative edit makes a new revision, with its own register.
    report_narrative_update(
        review=review, sections={"conclusion": "We were assured."}, by=built.lead
    )
    second = national_report_request(review=review, by=built.lead)
    assert second.version == first.version + 1
    assert FigureRegister.objects.filter(document=second).count() == 1

    with pytest.raises(ApplicationError):  # not at the reporting stage yet
        national_report_publish(review=review, by=built.lead)
    ThematicReview.objects.filter(pk=review.pk).update(status=ThematicReview.Status.REPORTING)
    review.refresh_from_db()
    login(client, built.lead)
    response = client.post(reverse("throughcare:output_national_publish", args=[review.pk]))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == ThematicReview.Status.PUBLISHED
    frozen = FigureRegister.objects.get(document=second)
    assert frozen.is_frozen and frozen.frozen_by == built.lead

    # The published report no longer changes: new responses leave its revision alone, and its
    # text cannot be edited.
    link, token = response_link_create(
        instrument_version=review.prison_survey_instrument, subject=review, single_use=False
    )
    response_submit(
        raw_token=token, answers={"fair": "yes"}, form_token=form_token_issue(link=link)
    )
    assert national_report_revision(review) == second.version
    with pytest.raises(ApplicationError, match=re.escape(REPORT_PUBLISHED)):
        report_narrative_update(review=review, sections={"conclusion": "Changed."}, by=built.lead)
    # Everyone signed in may now see the published report, and the register stays internal.
    login(client, person(Role.AUTHORITY_CONTACT, "fife"))
    page = client.get(reverse("throughcare:output_national", args=[review.pk]))
    assert page.status_code == 200
    assert "See the figure register" not in page.content.decode()


@pytest.mark.django_db
def test_only_the_lead_or_a_manager_publishes(client, built):
    ThematicReview.objects.filter(pk=built.review.pk).update(status=ThematicReview.Status.REPORTING)
    inspector = person(Role.INSPECTOR)
    from accounts.services import assignment_create

    assignment_create(user=inspector, kind="review_inspector", target=built.review)
    login(client, inspector)
    response = client.post(reverse("throughcare:output_national_publish", args=[built.review.pk]))
    assert response.status_code == 403
    assert ThematicReview.objects.get(pk=built.review.pk).status == ThematicReview.Status.REPORTING
