"""Pages: each role sees what it should; a member of one partnership gets nothing from another;
typed text is shown escaped."""

import pytest
from django.urls import URLPattern, reverse

from accounts.models import Role
from core.models import AuditEvent
from partnerships import services, urls
from partnerships.models import EvidenceLink, Exercise
from tests.factories import login, person
from tests.partnerships.conftest import answer_all, make_setup, pdf_upload, to_feedback

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _kwargs(pattern: URLPattern, setup) -> dict:
    kwargs = {}
    for name in pattern.pattern.converters:
        kwargs[name] = setup.exercise.pk if name == "pk" else setup.qi("6.2").pk
    return kwargs


def test_pages_render_for_member_and_inspector(client, ayrshire):
    exercise = ayrshire.exercise
    for user in (ayrshire.member, ayrshire.inspector, ayrshire.hmics):
        login(client, user)
        for name, args in [
            ("exercise_list", []),
            ("exercise_detail", [exercise.pk]),
            ("qi_detail", [exercise.pk, ayrshire.qi("6.2").pk]),
            ("partner_create", [exercise.pk]),
        ]:
            response = client.get(reverse(f"partnerships:{name}", args=args))
            assert response.status_code == 200, (user, name)
            assert b"govuk-inset-text" in response.content, "every page explains itself"


def test_a_member_of_another_partnership_gets_nothing_from_any_url(client, ayrshire, clacks, sent):
    """Every URL in partnerships.urls, with the other partnership's ids: 404 or 403."""
    services.evidence_add(
        exercise_qi=clacks.qi("6.2"), file=pdf_upload(), answer="know", claim="Minutes",
        by=clacks.member,
    )  # fmt: skip
    exercise = to_feedback(clacks)
    publication = services.letter_publish(exercise=exercise, by=clacks.inspector)
    login(client, ayrshire.member)
    checked = 0
    for pattern in urls.urlpatterns:
        kwargs = _kwargs(pattern, clacks)
        if not kwargs:
            continue
        url = reverse(f"partnerships:{pattern.name}", kwargs=kwargs)
        for method in (client.get, client.post):
            response = method(url, {"body": "hello", "to": "analysis", "reason": "x"})
            assert response.status_code in {403, 404, 405}, (url, method, response.status_code)
            assert response.status_code != 405 or method == client.get
        checked += 1
    assert checked == len(urls.urlpatterns) - 2  # all but the list and the create page
    listing = client.get(reverse("partnerships:exercise_list"))
    assert clacks.exercise.title.encode() not in listing.content
    stored = EvidenceLink.objects.get(exercise_qi__exercise=clacks.exercise).stored_file
    assert client.get(reverse("core:file_download", args=[stored.pk])).status_code == 404
    for name in ("document_detail", "document_download", "document_status"):
        response = client.get(reverse(f"reports:{name}", args=[publication.document_id]))
        assert response.status_code in {403, 404}, name
    response = client.post(
        reverse("reports:document_request", args=["validation_letter", clacks.exercise.pk])
    )
    assert response.status_code in {403, 404}
    assert not clacks.qi("6.2").comments.exists()


def test_hmics_inspectors_see_only_exercises_they_are_assigned_to(client, framework, ayrshire):
    other = make_setup(framework, "shetland-community-justice-partnership", hmics=False)
    login(client, ayrshire.hmics)
    listing = client.get(reverse("partnerships:exercise_list"))
    assert ayrshire.exercise.title.encode() in listing.content
    assert other.exercise.title.encode() not in listing.content
    assert client.get(other.exercise.get_absolute_url()).status_code == 404
    unassigned = person(Role.HMICS_INSPECTOR)
    login(client, unassigned)
    assert client.get(ayrshire.exercise.get_absolute_url()).status_code == 404


def test_care_inspectorate_staff_see_every_exercise(client, ayrshire, clacks):
    login(client, person(Role.MANAGER))
    content = client.get(reverse("partnerships:exercise_list")).content
    assert ayrshire.exercise.title.encode() in content and clacks.exercise.title.encode() in content


def test_a_member_cannot_do_inspectors_work(client, ayrshire):
    login(client, ayrshire.member)
    exercise = ayrshire.exercise
    for name in ("exercise_request_changes", "exercise_conclusion", "letter_publish"):
        assert client.get(reverse(f"partnerships:{name}", args=[exercise.pk])).status_code == 403
    response = client.post(
        reverse("partnerships:exercise_transition", args=[exercise.pk]), {"to": "drafting"}
    )
    assert response.status_code == 403


def test_typed_html_is_stored_as_text_and_shown_escaped(client, ayrshire):
    login(client, ayrshire.member)
    qi = ayrshire.qi("6.2")
    url = reverse("partnerships:qi_detail", args=[ayrshire.exercise.pk, qi.pk])
    response = client.post(
        url,
        {"how_good_now": HOSTILE, "how_do_we_know": "x", "how_good_can_we_be": "y", "grade": "4"},
    )
    assert response.status_code == 302
    assert ayrshire.qi("6.2").how_good_now == HOSTILE
    client.post(
        reverse("partnerships:comment_create", args=[ayrshire.exercise.pk, qi.pk]),
        {"body": HOSTILE},
    )
    login(client, ayrshire.inspector)
    content = client.get(url).content.decode()
    assert "<script>alert" not in content and "<img src=x" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


def test_the_member_journey_by_forms(client, ayrshire, mailoutbox):
    exercise = ayrshire.exercise
    login(client, ayrshire.member)
    for qi in ayrshire.qis:
        client.post(
            reverse("partnerships:qi_detail", args=[exercise.pk, qi.pk]),
            {"how_good_now": "Good", "how_do_we_know": "Minutes", "how_good_can_we_be": "Better",
             "grade": "5", "contributors": [ayrshire.partner.pk]},
        )  # fmt: skip
    response = client.post(
        reverse("partnerships:evidence_create", args=[exercise.pk, ayrshire.qi("6.2").pk]),
        {"file": pdf_upload(), "answer": "know", "claim": "Board minutes"},
    )
    assert response.status_code == 302
    page = client.get(reverse("partnerships:qi_detail", args=[exercise.pk, ayrshire.qi("6.2").pk]))
    assert b"Virus check passed" in page.content and b"Board minutes" in page.content
    link = EvidenceLink.objects.get()
    download = client.get(reverse("core:file_download", args=[link.stored_file_id]))
    assert download.status_code == 200
    assert AuditEvent.objects.filter(action="file_downloaded").exists()
    response = client.post(reverse("partnerships:exercise_submit", args=[exercise.pk]))
    assert response.status_code == 302
    exercise.refresh_from_db()
    assert exercise.status == Exercise.Status.SUBMITTED
    assert {qi.grade for qi in ayrshire.qis} == {5}
    assert ayrshire.qi("6.2").contributors.get() == ayrshire.partner


def test_an_inspector_requests_changes_by_form(client, ayrshire):
    answer_all(ayrshire)
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    login(client, ayrshire.inspector)
    qi = ayrshire.qi("9.2")
    response = client.post(
        reverse("partnerships:exercise_request_changes", args=[ayrshire.exercise.pk]),
        {f"note_{qi.pk}": "Say who leads."},
    )
    assert response.status_code == 302
    assert ayrshire.qi("9.2").status == "changes_requested"
    assert ayrshire.qi("6.2").status == "submitted"


def test_an_inspector_sets_up_an_exercise(client, framework):
    from accounts.models import Organisation

    inspector = person(Role.INSPECTOR)
    login(client, inspector)
    url = reverse("partnerships:exercise_create")
    assert client.get(url).status_code == 200
    partnership = Organisation.objects.get(slug="east-lothian-community-justice-partnership")
    response = client.post(
        url,
        {"partnership": partnership.pk, "title": "East Lothian 2020", "start_date": "2020-01-13",
         "strategic_inspector": inspector.pk},
    )  # fmt: skip
    exercise = Exercise.objects.get(title="East Lothian 2020")
    assert response.url == exercise.get_absolute_url()
    assert exercise.hmics_involved is False and exercise.qis.count() == 3
    login(client, person(Role.PARTNERSHIP_MEMBER))
    assert client.get(url).status_code == 403
