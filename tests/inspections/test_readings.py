"""Reading records: answer versioning, client save IDs, validation, submission, reopening,
audit, and who may see which reading (services and pages)."""

import json
import threading
import uuid

import pytest
from django.db import connection, transaction
from django.urls import reverse

from accounts.models import Role
from core.exceptions import ApplicationError
from core.models import AuditEvent
from inspections import selectors, services
from inspections.models import Answer, AnswerSave, Reading
from inspections.services.readings import (
    NOT_YOUR_READING,
    READING_SUBMITTED,
    REOPEN_LEAD_ONLY,
    SUBMIT_MISSING,
)
from qi_framework.instruments.evaluation import (
    CHOICE_ERROR,
    CHOICES_ERROR,
    DATE_ERROR,
    DERIVED_ERROR,
    NUMBER_ERROR,
    RATING_ERROR,
    YES_NO_NA_ERROR,
)
from tests.factories import login, person
from tests.inspections.factories import assign
from tests.inspections.reading_factories import make_reading, make_reading_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(inspection):
    sample, records, reader = make_reading_setup(inspection)
    reading = selectors.reading_get(pk=make_reading(records[0], reader).pk)
    return inspection, sample, records, reader, reading


def save(reading, code, value, by, based_on=None, client_save_id=None):
    return services.answer_save(
        reading=selectors.reading_get(pk=reading.pk),
        question=code,
        raw_value=value,
        based_on_version=based_on,
        client_save_id=client_save_id or uuid.uuid4(),
        by=by,
    )


def fill_required(reading, by):
    """Answer every required question shown, choosing answers that open few follow-ups."""
    values = {
        "yes_no_na": "na",
        "date": "10/01/2018",
        "number": "12",
        "rating_6": "4",
        "text": "Notes",
    }
    for _ in range(20):
        page = selectors.reading_page_data(reading=selectors.reading_get(pk=reading.pk))
        if not page.missing:
            return
        for question in page.missing:
            if question.kind in ("single_choice", "multiple_choice"):
                first = question.options[0]["value"]
                value = [first] if question.kind == "multiple_choice" else first
            else:
                value = values[question.kind]
            result = save(reading, question.code, value, by)
            assert result.ok, (question.code, result.message)
    raise AssertionError("required questions kept appearing")


def stored(reading, code) -> Answer:
    return Answer.objects.select_related("question").get(reading=reading, question__code=code)


# --- Versions ------------------------------------------------------------------------------------


def test_first_save_stores_version_1_and_a_receipt(setup):
    *_, reader, reading = setup
    save_id = uuid.uuid4()
    result = save(reading, "order_status", "current", reader, client_save_id=save_id)
    assert result.ok and result.version == 1 and result.value == "current"
    answer = stored(reading, "order_status")
    assert (answer.value, answer.version, answer.updated_by) == ("current", 1, reader)
    assert AnswerSave.objects.get(client_save_id=save_id).answer == answer


def test_own_quick_successive_saves_with_a_stale_version_are_accepted(setup):
    *_, reader, reading = setup
    save(reading, "order_status", "current", reader, based_on=None)
    # The page sends the second and third before the first answer came back: all based on None.
    second = save(reading, "order_status", "completed", reader, based_on=None)
    third = save(reading, "order_status", "breached", reader, based_on=1)
    assert second.ok and third.ok
    assert stored(reading, "order_status").value == "breached"
    assert stored(reading, "order_status").version == 3


def test_a_stale_save_after_another_persons_change_is_refused_with_both_values(setup):
    inspection, *_, reader, reading = setup
    save(reading, "order_status", "current", reader)
    with transaction.atomic():  # the lead imports a paper reading (another person's change)
        services.answer_store(
            reading=reading,
            question=stored(reading, "order_status").question,
            value="revoked",
            based_on_version=1,
            by=inspection.lead,
        )
    result = save(reading, "order_status", "completed", reader, based_on=1)
    assert result.status == "conflict"
    assert result.value == "completed"  # the reader's answer comes back: nothing is lost
    assert result.theirs == "revoked"
    assert result.version == 2
    assert "Revoked" in result.message and "Completed" in result.message
    assert stored(reading, "order_status").value == "revoked"
    # Choosing "use my answer" re-saves based on the version just seen: accepted.
    again = save(reading, "order_status", "completed", reader, based_on=result.version)
    assert again.ok and again.version == 3


def test_the_same_client_save_id_twice_is_stored_once(setup):
    *_, reader, reading = setup
    save_id = uuid.uuid4()
    first = save(reading, "order_status", "current", reader, client_save_id=save_id)
    retry = save(reading, "order_status", "current", reader, client_save_id=save_id)
    assert retry.ok and retry.replayed and retry.version == first.version == 1
    answer = stored(reading, "order_status")
    assert answer.version == 1
    assert AnswerSave.objects.filter(answer=answer).count() == 1
    assert AuditEvent.objects.filter(action="answer_changed", object_id=str(answer.pk)).count() == 1


def test_a_retry_after_a_later_change_does_not_undo_it(setup):
    *_, reader, reading = setup
    first_id = uuid.uuid4()
    save(reading, "order_status", "current", reader, client_save_id=first_id)
    save(reading, "order_status", "completed", reader, based_on=1)
    replay = save(reading, "order_status", "current", reader, client_save_id=first_id)
    assert replay.replayed and replay.version == 1
    assert stored(reading, "order_status").value == "completed"


def test_saving_the_same_value_again_changes_nothing(setup):
    *_, reader, reading = setup
    save(reading, "order_status", "current", reader)
    again = save(reading, "order_status", "current", reader, based_on=1)
    assert again.ok and again.version == 1
    assert AuditEvent.objects.filter(action="answer_changed").count() == 1


def test_clearing_an_unanswered_question_stores_nothing(setup):
    *_, reader, reading = setup
    result = save(reading, "order_status", "", reader)
    assert result.ok and result.version is None
    assert not Answer.objects.filter(reading=reading, question__code="order_status").exists()


# --- Validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "error"),
    [
        ("cjswr_prepared", "maybe", YES_NO_NA_ERROR),
        ("order_status", "lost", CHOICE_ERROR),
        ("interventions_needed", ["flying"], CHOICES_ERROR),
        ("first_contact_date", "31/02/2019", DATE_ERROR),
        ("supervision_months", "twelve", NUMBER_ERROR),
        ("recording_quality", "7", RATING_ERROR),
        ("order_date", "01/01/2019", DERIVED_ERROR),
    ],
)
def test_values_a_question_does_not_accept_are_refused(setup, code, value, error):
    *_, reader, reading = setup
    result = save(reading, code, value, reader)
    assert result.status == "invalid"
    assert result.message == error
    assert result.value == value
    assert not Answer.objects.filter(reading=reading, question__code=code).exists()


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("cjswr_prepared", "Yes", "yes"),
        ("interventions_needed", ["programme", "substance_use"], ["substance_use", "programme"]),
        ("first_contact_date", "9/1/2018", "2018-01-09"),
        ("supervision_months", "12", "12"),
        ("recording_quality", "5", 5),
        ("outcomes_notes", "  Settled in work.  ", "Settled in work."),
    ],
)
def test_each_kind_of_answer_is_stored_typed(setup, code, value, expected):
    *_, reader, reading = setup
    result = save(reading, code, value, reader)
    assert result.ok
    assert services.value_to_json(stored(reading, code).value) == expected


def test_derived_answers_are_stored_and_recomputed(setup):
    *_, reader, reading = setup
    # Record 0's order was imposed on 8 January 2018 (a Monday).
    save(reading, "first_contact_date", "9/1/2018", reader)
    assert stored(reading, "order_date").value.isoformat() == "2018-01-08"
    assert stored(reading, "first_contact_within_1_day").value == "yes"
    save(reading, "first_contact_date", "19/1/2018", reader, based_on=1)
    assert stored(reading, "first_contact_within_1_day").value == "no"


def test_a_question_from_another_tool_is_refused(setup):
    *_, reader, reading = setup
    with pytest.raises(ApplicationError):
        save(reading, "no_such_question", "yes", reader)


# --- Who may save --------------------------------------------------------------------------------


def test_only_the_reader_can_save(setup):
    inspection, *_, reading = setup
    with pytest.raises(ApplicationError) as refused:
        save(reading, "order_status", "current", inspection.lead)
    assert refused.value.message == NOT_YOUR_READING


def test_a_submitted_reading_refuses_saves_until_reopened(setup):
    inspection, *_, reader, reading = setup
    fill_required(reading, reader)
    services.reading_submit(reading=reading, by=reader)
    with pytest.raises(ApplicationError) as refused:
        save(reading, "outcomes_notes", "More", reader)
    assert refused.value.message == READING_SUBMITTED
    services.reading_reopen(reading=reading, reason="Notes missing", by=inspection.lead)
    assert save(reading, "outcomes_notes", "More", reader).ok


def test_the_first_save_locks_the_sample(setup):
    _, sample, _, reader, reading = setup
    assert sample.locked_at is None
    save(reading, "order_status", "current", reader)
    sample.refresh_from_db()
    assert sample.locked_at is not None


def test_reading_start_stores_what_the_population_record_gives(setup):
    _, sample, _, reader, reading = setup
    services.reading_start(reading=reading, by=reader)
    assert stored(reading, "requirements").value == ["supervision"]
    sample.refresh_from_db()
    assert sample.is_locked


# --- Submit and reopen ---------------------------------------------------------------------------


def test_submit_refuses_while_required_questions_are_missing_then_succeeds(setup):
    *_, reader, reading = setup
    with pytest.raises(ApplicationError) as refused:
        services.reading_submit(reading=reading, by=reader)
    assert refused.value.message == SUBMIT_MISSING
    missing = dict(refused.value.extra["missing"])
    assert missing["order_status"] == "Status of the order"
    fill_required(reading, reader)
    submitted = services.reading_submit(reading=reading, by=reader)
    assert submitted.status == Reading.Status.SUBMITTED and submitted.submitted_at
    assert AuditEvent.objects.filter(action="reading_submitted", object_id=str(reading.pk))


def test_only_the_lead_can_reopen_and_a_reason_is_needed(setup):
    inspection, _, _, reader, reading = setup
    fill_required(reading, reader)
    services.reading_submit(reading=reading, by=reader)
    other = assign(person(Role.INSPECTOR), "inspector", inspection)
    for who in (reader, other):
        with pytest.raises(ApplicationError) as refused:
            services.reading_reopen(reading=reading, reason="Because", by=who)
        assert refused.value.message == REOPEN_LEAD_ONLY
    with pytest.raises(ApplicationError):
        services.reading_reopen(reading=reading, reason="  ", by=inspection.lead)
    reopened = services.reading_reopen(reading=reading, reason="Check dates", by=inspection.lead)
    assert reopened.status == Reading.Status.IN_PROGRESS
    event = AuditEvent.objects.get(action="reading_reopened")
    assert (event.actor, event.detail) == (inspection.lead, "Check dates")


def test_every_answer_change_is_audited_with_old_and_new(setup):
    *_, reader, reading = setup
    save(reading, "order_status", "current", reader)
    save(reading, "order_status", "completed", reader, based_on=1)
    save(reading, "first_contact_date", "9/1/2018", reader)
    events = list(AuditEvent.objects.filter(action="answer_changed").order_by("pk"))
    assert [(e.detail, e.old_value, e.new_value) for e in events] == [
        ("order_status", None, "current"),
        ("order_status", "current", "completed"),
        ("first_contact_date", None, "2018-01-09"),
    ]
    assert all(e.actor == reader for e in events)


def test_record_history_lists_changes_in_words(setup):
    *_, reader, reading = setup
    save(reading, "order_status", "current", reader)
    save(reading, "order_status", "completed", reader, based_on=1)
    entries = selectors.record_history(sample_record=reading.sample_record)
    assert [(e.question.code, e.old, e.new) for e in entries] == [
        ("order_status", "Not answered", "Current"),
        ("order_status", "Current", "Completed"),
    ]


# --- Queue and progress --------------------------------------------------------------------------


def test_queue_shows_the_persons_readings_with_progress(setup):
    inspection, _, records, reader, reading = setup
    other = assign(person(Role.INSPECTOR), "inspector", inspection)
    make_reading(records[1], other)
    third = make_reading(records[2], reader)
    save(reading, "order_status", "current", reader)
    rows = selectors.reading_queue_for(user=reader, activity=inspection.activity)
    assert {r.reading.pk for r in rows} == {reading.pk, third.pk}
    first = next(r for r in rows if r.reading.pk == reading.pk)
    assert first.answered == 1 and first.visible > 10


def test_progress_counts_by_reader_and_stratum(setup):
    inspection, _, records, reader, reading = setup
    fill_required(reading, reader)
    services.reading_submit(reading=reading, by=reader)
    make_reading(records[1], reader)
    progress = selectors.reading_progress(activity=inspection.activity)
    (row,) = progress["by_reader"]
    assert (row.first_assigned, row.first_submitted) == (2, 1)
    assert progress["total"][0].first_submitted == 1
    assert sum(r.first_assigned for r in progress["by_stratum"]) == 2


# --- Concurrency (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_save_are_stored_once(reference_data):
    from tests.inspections.factories import make_inspection

    inspection = make_inspection()
    _, records, reader = make_reading_setup(inspection)
    reading = make_reading(records[0], reader)
    save_id = uuid.uuid4()
    results, errors = [], []
    barrier = threading.Barrier(6)

    def worker():
        try:
            barrier.wait()
            results.append(save(reading, "order_status", "current", reader, client_save_id=save_id))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(r.ok and r.version == 1 for r in results)
    answer = stored(reading, "order_status")
    assert answer.version == 1
    assert AnswerSave.objects.filter(answer=answer).count() == 1
    assert AuditEvent.objects.filter(action="answer_changed", object_id=str(answer.pk)).count() == 1


# --- Pages ---------------------------------------------------------------------------------------


def url(name, pk, **query):
    path = reverse(f"inspections:{name}", kwargs={"pk": pk})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def post_json(client, reading, body):
    return client.post(
        url("answer_save", reading.pk),
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Requested-With": "fetch"},
    )


def test_reader_sees_queue_and_record_page(client, setup):
    inspection, *_, reader, reading = setup
    login(client, reader)
    response = client.get(url("reading_queue", inspection.pk))
    assert response.status_code == 200
    assert reading.sample_record.record.reference in response.text
    response = client.get(url("reading_update", reading.pk))
    assert response.status_code == 200
    assert "Section 1 of 14" in response.text
    assert 'data-autosave-url="' in response.text
    assert "js/reading.js" in response.text


def test_record_page_shows_illustrations_and_derived_answers(client, setup):
    *_, reader, reading = setup
    login(client, reader)
    response = client.get(url("reading_update", reading.pk, section=2))
    assert "Illustrations for 5.2" in response.text
    response = client.get(url("reading_update", reading.pk, section=1))
    assert "Worked out for you" in response.text and "8 January 2018" in response.text


def test_co_reader_sees_only_their_own_readings(client, setup):
    inspection, _, records, reader, reading = setup
    co_reader = assign(
        person(Role.AUTHORITY_CONTACT, "west-dunbartonshire"), "local_co_reader", inspection
    )
    own = make_reading(records[1], co_reader)
    login(client, co_reader)
    response = client.get(url("reading_queue", inspection.pk))
    assert response.status_code == 200
    assert records[1].record.reference in response.text
    assert records[0].record.reference not in response.text
    assert client.get(url("reading_update", own.pk)).status_code == 200
    assert client.get(url("reading_update", reading.pk)).status_code == 404
    assert client.get(url("reading_progress", inspection.pk)).status_code == 403


def test_associate_assessor_not_assigned_gets_404(client, setup):
    inspection, *_, reading = setup
    visitor = person(Role.AUTHORITY_CONTACT, "inverclyde")
    login(client, visitor)
    assert client.get(url("reading_queue", inspection.pk)).status_code == 404
    assert client.get(url("reading_update", reading.pk)).status_code == 404
    assert post_json(client, reading, {}).status_code == 404


def test_authority_contact_never_sees_readings(client, setup):
    inspection, *_, reading = setup
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire")
    login(client, contact)
    assert client.get(url("reading_queue", inspection.pk)).status_code == 403
    assert client.get(url("reading_update", reading.pk)).status_code == 404
    assert client.get(url("reading_submit", reading.pk)).status_code == 404
    assert client.get(url("reading_progress", inspection.pk)).status_code == 403


def test_second_reader_cannot_see_the_first_reading_until_both_are_submitted(client, setup):
    inspection, _, records, reader, first = setup
    second_reader = assign(person(Role.INSPECTOR), "inspector", inspection)
    second = make_reading(records[0], second_reader, order=2)
    login(client, second_reader)
    assert client.get(url("reading_update", first.pk)).status_code == 404
    assert client.get(url("reading_submit", first.pk)).status_code == 404
    fill_required(first, reader)
    services.reading_submit(reading=first, by=reader)
    assert client.get(url("reading_update", first.pk)).status_code == 404
    fill_required(second, second_reader)
    services.reading_submit(reading=second, by=second_reader)
    assert client.get(url("reading_update", first.pk)).status_code == 200
    login(client, reader)
    assert client.get(url("reading_submit", second.pk)).status_code == 200


def test_lead_sees_a_reading_read_only(client, setup):
    inspection, *_, reading = setup
    login(client, inspection.lead)
    response = client.get(url("reading_update", reading.pk))
    assert response.status_code == 200
    assert "Only they can change it" in response.text
    assert "data-autosave-url" not in response.text
    assert client.post(url("reading_update", reading.pk), {}).status_code == 403
    assert post_json(client, reading, {}).status_code == 403


def test_autosave_endpoint_saves_and_replays(client, setup):
    *_, reader, reading = setup
    login(client, reader)
    body = {
        "question": "cjswr_prepared",
        "value": "yes",
        "based_on_version": None,
        "client_save_id": str(uuid.uuid4()),
    }
    response = post_json(client, reading, body)
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["version"], data["value"]) == ("saved", 1, "yes")
    assert "cjswr_quality" in data["visible"]  # the follow-up question now shows
    again = post_json(client, reading, body)
    assert again.status_code == 200 and again.json()["version"] == 1
    assert stored(reading, "cjswr_prepared").version == 1


def test_autosave_endpoint_conflict_invalid_and_bad_requests(client, setup):
    inspection, *_, reader, reading = setup
    save(reading, "order_status", "current", reader)
    with transaction.atomic():
        services.answer_store(
            reading=reading,
            question=stored(reading, "order_status").question,
            value="revoked",
            based_on_version=1,
            by=inspection.lead,
        )
    login(client, reader)
    body = {"question": "order_status", "value": "completed", "based_on_version": 1}
    response = post_json(client, reading, {**body, "client_save_id": str(uuid.uuid4())})
    assert response.status_code == 409
    data = response.json()
    assert (data["theirs"], data["value"], data["version"]) == ("revoked", "completed", 2)
    assert data["theirs_display"] == "Revoked" and data["yours_display"] == "Completed"
    response = post_json(
        client, reading, {**body, "value": "lost", "client_save_id": str(uuid.uuid4())}
    )
    assert response.status_code == 422 and response.json()["message"] == CHOICE_ERROR
    assert post_json(client, reading, {**body, "client_save_id": "nope"}).status_code == 400


def test_autosave_after_the_session_ends_answers_401(client, setup):
    *_, reading = setup
    body = {"question": "order_status", "value": "current", "client_save_id": str(uuid.uuid4())}
    response = post_json(client, reading, body)
    assert response.status_code == 401
    assert response.json()["error"] == "session_expired"


def test_section_form_saves_without_javascript(client, setup):
    *_, reader, reading = setup
    login(client, reader)
    response = client.post(
        url("reading_update", reading.pk, section=2),
        {"cjswr_prepared": "no", "version-cjswr_prepared": "", "save-cjswr_prepared": uuid.uuid4()},
    )
    assert response.status_code == 302
    assert response.url.endswith("?section=3")
    assert stored(reading, "cjswr_prepared").value == "no"


def test_section_form_shows_errors_and_keeps_what_was_typed(client, setup):
    *_, reader, reading = setup
    login(client, reader)
    response = client.post(
        url("reading_update", reading.pk, section=3),
        {
            "first_contact_date-day": "31",
            "first_contact_date-month": "2",
            "first_contact_date-year": "2019",
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text and DATE_ERROR in response.text
    assert 'value="31"' in response.text


def test_section_form_stays_when_follow_up_questions_appear(client, setup):
    *_, reader, reading = setup
    login(client, reader)
    response = client.post(url("reading_update", reading.pk, section=2), {"cjswr_prepared": "yes"})
    assert response.status_code == 302 and "section=2" in response.url


def test_submit_page_lists_missing_questions_then_submits(client, setup):
    inspection, *_, reader, reading = setup
    login(client, reader)
    response = client.post(url("reading_submit", reading.pk))
    assert response.status_code == 200
    assert SUBMIT_MISSING in response.text and "Answer “Status of the order”" in response.text
    fill_required(reading, reader)
    response = client.post(url("reading_submit", reading.pk))
    assert response.status_code == 302
    assert response.url == url("reading_queue", inspection.pk)
    reading.refresh_from_db()
    assert reading.status == Reading.Status.SUBMITTED


def test_reopen_page_for_the_lead_only(client, setup):
    inspection, *_, reader, reading = setup
    fill_required(reading, reader)
    services.reading_submit(reading=reading, by=reader)
    other = assign(person(Role.INSPECTOR), "inspector", inspection)
    login(client, other)
    assert client.post(url("reading_reopen", reading.pk), {"reason": "x"}).status_code == 403
    login(client, inspection.lead)
    response = client.post(url("reading_reopen", reading.pk), {"reason": ""})
    assert response.status_code == 200 and "There is a problem" in response.text
    response = client.post(url("reading_reopen", reading.pk), {"reason": "Dates wrong"})
    assert response.status_code == 302
    reading.refresh_from_db()
    assert reading.status == Reading.Status.IN_PROGRESS


def test_history_page_for_the_lead_only(client, setup):
    inspection, *_, reader, reading = setup
    save(reading, "order_status", "current", reader)
    login(client, reader)
    assert client.get(url("samplerecord_history", reading.sample_record.pk)).status_code == 403
    login(client, inspection.lead)
    response = client.get(url("samplerecord_history", reading.sample_record.pk))
    assert response.status_code == 200
    assert "Status of the order" in response.text and "Current" in response.text


def test_progress_page_for_the_team(client, setup):
    inspection, *_ = setup
    login(client, inspection.lead)
    response = client.get(url("reading_progress", inspection.pk))
    assert response.status_code == 200 and "By stratum" in response.text
