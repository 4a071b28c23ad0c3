"""In Chromium: a co-reader reads and submits a record with the keyboard alone; answers given
offline are kept on the page and saved once when the connection returns; a second reading
disagrees and the lead moderates it. Every page is checked with axe-core."""

import re
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import Role
from inspections import selectors, services
from inspections.models import Answer, AnswerSave, ModeratedAnswer, Reading
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.inspections.factories import assign, make_inspection
from tests.inspections.reading_factories import make_reading, make_reading_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RETRYING = "Not saved — retrying"


@pytest.fixture
def reading_setup(reference_data):
    inspection = make_inspection()
    sample, records, inspector = make_reading_setup(inspection)
    return inspection, sample, records, inspector


def focus_in(page, selector: str, limit: int = 300) -> None:
    """Press Tab until the focus is inside `selector` (keyboard only, no clicks)."""
    for _ in range(limit):
        inside = page.evaluate(
            "(s) => { const box = document.querySelector(s);"
            " return !!box && box.contains(document.activeElement); }",
            selector,
        )
        if inside:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def answer_with_keyboard(page, code: str, kind: str) -> None:
    group = f'[data-question="{code}"]'
    focus_in(page, group)
    if kind == "yes_no_na":
        page.keyboard.press("Space")  # "Yes"
        page.keyboard.press("ArrowRight")  # "No"
        page.keyboard.press("ArrowRight")  # "Not applicable": opens the fewest follow-ups
    elif kind in ("single_choice", "rating_6"):
        page.keyboard.press("Space")
    elif kind == "date":
        page.keyboard.type("10")
        page.keyboard.press("Tab")
        page.keyboard.type("1")
        page.keyboard.press("Tab")
        page.keyboard.type("2018")
    elif kind == "number":
        page.keyboard.type("12")
    else:
        page.keyboard.type("Notes")
    page.keyboard.press("Tab")  # leave the field, so a text field's change is sent


def unanswered(page) -> list[tuple[str, str]]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-question]'))
          .filter((box) => !box.hidden)
          .filter((box) => {
            const inputs = box.querySelectorAll('input:not([type=hidden]), textarea');
            return !Array.from(inputs).some((i) =>
              (i.type === 'radio' || i.type === 'checkbox') ? i.checked : i.value.trim() !== '');
          })
          .filter((box) => !box.querySelector('legend, label').textContent.includes('(optional)'))
          .map((box) => [box.dataset.question, box.dataset.kind])"""
    )


def press_button(page, name: str) -> None:
    button = page.get_by_role("button", name=name)
    for _ in range(300):
        if button.evaluate("(b) => b === document.activeElement"):
            break
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_co_reader_reads_and_submits_a_record_with_the_keyboard_only(
    page, live_server, reading_setup, csp_violations
):
    inspection, _, records, _ = reading_setup
    co_reader = assign(
        person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"), "local_co_reader", inspection
    )
    reading = make_reading(records[1], co_reader)
    sign_in(page, live_server, co_reader)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/readings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your records to read")
    assert_accessible(page)

    link = page.get_by_role("link", name=re.compile(records[1].record.reference))
    for _ in range(100):
        if link.evaluate("(a) => a === document.activeElement"):
            break
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Section 1 of 14")).to_be_visible()
    assert_accessible(page)

    for _ in range(40):  # sections, and the same section again when follow-ups appear
        if "/submit/" in page.url:
            break
        for code, kind in unanswered(page):
            answer_with_keyboard(page, code, kind)
        expect(page.locator(".app-save-status--retrying")).to_have_count(0)
        name = re.compile("Save and continue|Save and check your answers")
        press_button(page, name)
    assert "/submit/" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting"
    )
    assert_accessible(page)
    press_button(page, "Submit reading")
    expect(page.get_by_text(f"Reading of {records[1].record.reference} submitted")).to_be_visible()
    reading.refresh_from_db()
    assert reading.status == Reading.Status.SUBMITTED
    assert csp_violations == []


def test_answers_given_offline_are_kept_retried_and_stored_once(
    page, live_server, reading_setup, csp_violations
):
    _, _, records, inspector = reading_setup
    reading = make_reading(records[0], inspector)
    sign_in(page, live_server, inspector)
    page.goto(f"{live_server.url}/inspections/readings/{reading.pk}/?section=5")
    expect(page.get_by_role("heading", level=1)).to_have_text("Specialist risk assessments")
    assert_accessible(page)
    codes = ["sexual_offending", "domestic_abuse", "rosh_required"]

    page.context.set_offline(True)
    for code in codes:
        page.locator(f'[data-question="{code}"]').get_by_label("No", exact=True).check()
    for code in codes:
        expect(page.locator(f'[data-status-for="{code}"]')).to_have_text(RETRYING)
    assert not Answer.objects.filter(reading=reading, question__code__in=codes).exists()
    # Nothing went to browser storage: criminal-offence data on shared laptops.
    storage = page.evaluate("() => [localStorage.length, sessionStorage.length, document.cookie]")
    assert storage[:2] == [0, 0]
    assert "sexual" not in storage[2]
    page.wait_for_timeout(2500)  # at least one retry fails while offline

    page.context.set_offline(False)
    for code in codes:
        expect(page.locator(f'[data-status-for="{code}"]')).to_have_text("Saved", timeout=40000)
    for code in codes:
        answer = Answer.objects.get(reading=reading, question__code=code)
        assert (answer.value, answer.version) == ("no", 1)
        assert AnswerSave.objects.filter(answer=answer).count() == 1
    assert csp_violations == []


def test_a_session_that_ends_keeps_the_answers_and_asks_to_sign_in_again(
    page, live_server, reading_setup
):
    _, _, records, inspector = reading_setup
    reading = make_reading(records[0], inspector)
    sign_in(page, live_server, inspector)
    page.goto(f"{live_server.url}/inspections/readings/{reading.pk}/?section=5")
    # The session ends (the session cookie goes; the CSRF cookie stays, as in real life).
    cookies = page.context.cookies()
    page.context.clear_cookies()
    page.context.add_cookies([c for c in cookies if c["name"] != settings.SESSION_COOKIE_NAME])
    page.locator('[data-question="sexual_offending"]').get_by_label("No", exact=True).check()
    expect(page.locator('[data-status-for="sexual_offending"]')).to_have_text(RETRYING)
    expect(page.get_by_text("Your session has ended. Sign in again in another tab")).to_be_visible()
    other = page.context.new_page()
    sign_in(other, live_server, inspector)
    expect(page.locator('[data-status-for="sexual_offending"]')).to_have_text(
        "Saved", timeout=40000
    )
    assert Answer.objects.get(reading=reading, question__code="sexual_offending").value == "no"


def submit_with(reading, by, overrides):
    """Answer every required question (services), with some answers given, and submit."""
    for code, value in overrides.items():
        services.answer_save(
            reading=selectors.reading_get(pk=reading.pk),
            question=code,
            raw_value=value,
            based_on_version=None,
            client_save_id=uuid.uuid4(),
            by=by,
        )
    from tests.inspections.test_readings import fill_required

    fill_required(reading, by)
    services.reading_submit(reading=reading, by=by)


def test_second_reading_disagrees_and_the_lead_moderates(
    page, live_server, reading_setup, csp_violations
):
    inspection, _, records, first_reader = reading_setup
    second_reader = assign(person(Role.INSPECTOR), "inspector", inspection)
    first = make_reading(records[0], first_reader)
    second = make_reading(records[0], second_reader, order=2)
    submit_with(first, first_reader, {"recording_quality": "5"})

    # The second reader reads blind: the first reading is not theirs to see.
    sign_in(page, live_server, second_reader)
    response = page.goto(f"{live_server.url}/inspections/readings/{first.pk}/")
    assert response.status == 404
    page.goto(f"{live_server.url}/inspections/readings/{second.pk}/?section=10")
    group = page.locator('[data-question="recording_quality"]')
    group.get_by_label(re.compile("^3 ")).check()
    expect(page.locator('[data-status-for="recording_quality"]')).to_have_text("Saved")
    assert_accessible(page)
    submit_with(second, second_reader, {})

    page.context.clear_cookies()
    sign_in(page, live_server, inspection.lead)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/moderation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Double reading and moderation")
    row = page.get_by_role("row", name=re.compile("Quality of case recording"))
    expect(row).to_contain_text("5 (very good)")
    expect(row).to_contain_text("3 (adequate)")
    assert_accessible(page)
    row.get_by_role("link", name=re.compile("Moderate")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the answer that counts")
    assert_accessible(page)
    page.get_by_label(re.compile("^4 ")).check()
    page.get_by_role("button", name="Record moderated answer").click()
    expect(page.get_by_text("Enter the reason for the moderated answer.").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Reason for the moderated answer").fill("Chronology only partly kept")
    page.get_by_role("button", name="Record moderated answer").click()
    expect(page.get_by_text("Moderated answer recorded")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Quality of case recording"))).to_contain_text(
        "Chronology only partly kept"
    )
    moderated = ModeratedAnswer.objects.get(sample_record=records[0])
    assert int(moderated.value_number) == 4
    assert selectors.answer_that_counts(records[0], "recording_quality") == 4

    page.get_by_role("link", name="See agreement between readers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreement between readers")
    expect(page.get_by_text("Too few to calculate").first).to_be_visible()
    assert_accessible(page)
    assert csp_violations == []


def test_a_conflict_shows_both_answers_and_loses_nothing(page, live_server, reading_setup):
    from django.db import transaction

    inspection, _, records, inspector = reading_setup
    reading = make_reading(records[0], inspector)
    services.answer_save(
        reading=selectors.reading_get(pk=reading.pk),
        question="order_status",
        raw_value="current",
        based_on_version=None,
        client_save_id=uuid.uuid4(),
        by=inspector,
    )
    sign_in(page, live_server, inspector)
    page.goto(f"{live_server.url}/inspections/readings/{reading.pk}/?section=1")
    with transaction.atomic():  # the lead changes the answer (a paper reading imported)
        services.answer_store(
            reading=reading,
            question=reading.instrument_version.questions.get(code="order_status"),
            value="revoked",
            based_on_version=1,
            by=inspection.lead,
        )
    group = page.locator('[data-question="order_status"]')
    group.get_by_label("Completed").check()
    conflict = page.locator('[data-conflict-for="order_status"]')
    expect(conflict).to_contain_text("Their answer: Revoked. Your answer: Completed.")
    expect(group.get_by_label("Completed")).to_be_checked()  # the reader's answer stays
    assert_accessible(page)
    conflict.get_by_role("button", name="Use my answer (Completed)").click()
    expect(page.locator('[data-status-for="order_status"]')).to_have_text("Saved")
    answer = Answer.objects.get(reading=reading, question__code="order_status")
    assert (answer.value, answer.version, answer.updated_by) == ("completed", 3, inspector)
