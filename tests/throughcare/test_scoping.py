"""Who sees what: an area's contact sees only their own area; people outside a review get 404;
co-readers read only their own area's records."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from inspections.models import Reading
from tests.factories import login, person
from tests.throughcare.factories import make_population, make_review, make_sample
from throughcare import selectors, services

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
AREA_PAGES = (
    "area_detail",
    "position_statement",
    "area_focus_groups",
    "area_meetings",
    "area_co_readers",
)


@pytest.fixture
def review(reference_data):
    return make_review("Throughcare review", authorities=("glasgow-city", "fife"))


def url(name: str, area, *extra) -> str:
    return reverse(f"throughcare:{name}", args=[area.review_id, area.pk, *extra])


def test_an_areas_contact_sees_only_their_own_area(client, review):
    glasgow, fife = review.test_areas
    other_review = make_review("Another review", authorities=("glasgow-city",))
    contact = person(Role.AUTHORITY_CONTACT, "fife")
    login(client, contact)

    listing = client.get(reverse("throughcare:review_list"))
    assert [r.pk for r in listing.context["reviews"]] == [review.pk]
    assert [a.pk for a in listing.context["reviews"][0].own_areas] == [fife.pk]
    for name in AREA_PAGES:
        assert client.get(url(name, fife)).status_code == 200, name
        assert client.get(url(name, glasgow)).status_code == 404, name
    glasgow_in_other = other_review.test_areas[0]
    assert client.get(url("area_detail", glasgow_in_other)).status_code == 404
    # Not the review's own pages, and never readings.
    assert client.get(reverse("throughcare:review_detail", args=[review.pk])).status_code == 404
    assert (
        client.get(reverse("throughcare:recommendation_list", args=[review.pk])).status_code == 404
    )
    assert client.get(url("area_readings", fife)).status_code == 403
    assert client.get(url("area_sample", fife)).status_code == 404
    # An area id under the wrong review is not found either.
    wrong = reverse("throughcare:area_detail", args=[other_review.pk, fife.pk])
    assert client.get(wrong).status_code == 404


def test_another_areas_contact_cannot_download_a_position_statement(client, review):
    glasgow = review.test_areas[0]
    login(client, person(Role.AUTHORITY_CONTACT, "glasgow-city"))
    client.post(
        url("position_statement_upload", glasgow),
        {"file": SimpleUploadedFile("Statement.pdf", PDF)},
    )
    statement = selectors.position_statement_of(area=glasgow)
    document = selectors.position_statement_documents(statement=statement).get()
    download = reverse("core:file_download", kwargs={"pk": document.pk})
    assert client.get(download).status_code == 200
    login(client, person(Role.AUTHORITY_CONTACT, "fife"))
    assert client.get(download).status_code == 404
    # Nor can they post into another area's statement.
    response = client.post(url("position_statement", glasgow), {"strengths": "x"})
    assert response.status_code == 404


def test_an_inspector_not_on_the_team_gets_nothing(client, review):
    outsider = person(Role.INSPECTOR)
    login(client, outsider)
    glasgow = review.test_areas[0]
    assert client.get(reverse("throughcare:review_detail", args=[review.pk])).status_code == 404
    assert client.get(reverse("throughcare:review_team", args=[review.pk])).status_code == 404
    for name in AREA_PAGES:
        assert client.get(url(name, glasgow)).status_code == 404, name
    assert client.get(reverse("throughcare:review_list")).context["reviews"] == []


def test_a_manager_sees_every_review(client, review):
    login(client, person(Role.MANAGER))
    assert client.get(reverse("throughcare:review_detail", args=[review.pk])).status_code == 200
    assert [r.pk for r in client.get(reverse("throughcare:review_list")).context["reviews"]] == [
        review.pk
    ]


def test_co_readers_of_one_area_cannot_read_another(client, review):
    glasgow, fife = review.test_areas
    co_reader = person(Role.PRACTITIONER, "glasgow-city")
    services.area_co_reader_assign(area=glasgow, user=co_reader, by=review.lead)
    populations = {a.pk: make_population(a, 20) for a in (glasgow, fife)}
    assert populations
    samples = {a.pk: make_sample(a, 3) for a in (glasgow, fife)}
    glasgow_reading = Reading.objects.create(
        sample_record=samples[glasgow.pk].records.first(),
        reader=co_reader,
        instrument_version=review.reading_instrument,
    )
    fife_reading = Reading.objects.create(
        sample_record=samples[fife.pk].records.first(),
        reader=review.lead,
        instrument_version=review.reading_instrument,
    )
    co_reader.refresh_from_db()
    assert co_reader.has_perm("throughcare.read_records", glasgow)
    assert not co_reader.has_perm("throughcare.read_records", fife)
    assert not co_reader.has_perm("inspections.read_records", fife.activity)
    login(client, co_reader)
    assert client.get(url("area_readings", glasgow)).status_code == 200
    assert (
        client.get(reverse("inspections:reading_update", args=[glasgow_reading.pk])).status_code
        == 200
    )
    assert client.get(url("area_readings", fife)).status_code == 404
    assert (
        client.get(reverse("inspections:reading_update", args=[fife_reading.pk])).status_code == 404
    )
    # A co-reader sees their area but not the review's home page.
    assert client.get(reverse("throughcare:review_detail", args=[review.pk])).status_code == 404


def test_a_co_reader_must_belong_to_the_areas_authority(review):
    from core.exceptions import ApplicationError

    fife = review.test_areas[1]
    with pytest.raises(ApplicationError):
        services.area_co_reader_assign(
            area=fife, user=person(Role.PRACTITIONER, "glasgow-city"), by=review.lead
        )
