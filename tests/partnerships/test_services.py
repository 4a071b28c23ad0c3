"""The exercise lifecycle, partial reopening, locking, decisions and the published letter."""

import pytest

from core.exceptions import ApplicationError
from core.models import AuditEvent
from partnerships import services
from partnerships.models import Exercise, ExerciseQI
from reports.models import Document
from tests.partnerships.conftest import answer_all, pdf_upload, to_feedback

pytestmark = pytest.mark.django_db


def test_an_exercise_has_the_svse_qis_and_its_team(ayrshire):
    codes = [qi.quality_indicator.code for qi in ayrshire.qis]
    assert codes == ["6.2", "8.1", "9.2"]
    assert ayrshire.exercise.status == Exercise.Status.SUPPORT
    assert ayrshire.exercise.hmics_involved


def test_an_exercise_without_hmics_records_that(framework):
    from tests.partnerships.conftest import make_setup

    setup = make_setup(framework, "north-lanarkshire-community-justice-partnership", hmics=False)
    assert setup.exercise.hmics_involved is False


def test_submission_refuses_unanswered_qis_and_names_them(ayrshire):
    with pytest.raises(ApplicationError) as error:
        services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    assert error.value.message.startswith("Before submitting, complete 6.2")
    assert len(error.value.extra["errors"]) == 3


def test_submission_locks_every_qi_and_records_who(ayrshire):
    answer_all(ayrshire)
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    ayrshire.exercise.refresh_from_db()
    assert ayrshire.exercise.status == Exercise.Status.SUBMITTED
    assert ayrshire.exercise.submitted_by == ayrshire.member
    assert ayrshire.exercise.submitted_at is not None
    assert {qi.status for qi in ayrshire.qis} == {ExerciseQI.Status.SUBMITTED}
    with pytest.raises(ApplicationError, match="locked"):
        services.qi_answers_save(
            exercise_qi=ayrshire.qi("6.2"), how_good_now="changed", how_do_we_know="",
            how_good_can_we_be="", grade=2, by=ayrshire.member,
        )  # fmt: skip
    with pytest.raises(ApplicationError, match="locked"):
        services.evidence_add(
            exercise_qi=ayrshire.qi("6.2"), file=pdf_upload(), answer="know", claim="x",
            by=ayrshire.member,
        )  # fmt: skip
    assert AuditEvent.objects.filter(action="exercise_status_changed").exists()


def test_request_changes_reopens_only_the_named_qi(ayrshire):
    answer_all(ayrshire)
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    services.exercise_request_changes(
        exercise=ayrshire.exercise, notes={ayrshire.qi("8.1"): "Add budget evidence."},
        by=ayrshire.inspector,
    )  # fmt: skip
    statuses = {qi.quality_indicator.code: qi.status for qi in ayrshire.qis}
    assert statuses == {"6.2": "submitted", "8.1": "changes_requested", "9.2": "submitted"}
    ayrshire.exercise.refresh_from_db()
    assert ayrshire.exercise.status == Exercise.Status.DRAFTING
    # The reopened QI can change; the others stay locked.
    services.qi_answers_save(
        exercise_qi=ayrshire.qi("8.1"), how_good_now="Revised", how_do_we_know="Budgets",
        how_good_can_we_be="More", grade=3, by=ayrshire.member,
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="locked"):
        services.qi_answers_save(
            exercise_qi=ayrshire.qi("6.2"), how_good_now="x", how_do_we_know="x",
            how_good_can_we_be="x", grade=3, by=ayrshire.member,
        )  # fmt: skip
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    assert {qi.status for qi in ayrshire.qis} == {ExerciseQI.Status.SUBMITTED}
    assert ayrshire.qi("8.1").how_good_now == "Revised"
    assert ayrshire.qi("6.2").how_good_now.startswith("We work well together.")


def test_request_changes_needs_a_note_and_the_right_stage(ayrshire, clacks):
    with pytest.raises(ApplicationError, match="only after submission"):
        services.exercise_request_changes(
            exercise=ayrshire.exercise, notes={ayrshire.qi("6.2"): "x"}, by=ayrshire.inspector
        )
    answer_all(ayrshire)
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    with pytest.raises(ApplicationError, match="Say what needs to change for 6.2"):
        services.exercise_request_changes(
            exercise=ayrshire.exercise, notes={ayrshire.qi("6.2"): " "}, by=ayrshire.inspector
        )
    with pytest.raises(ApplicationError, match="another exercise"):
        services.exercise_request_changes(
            exercise=ayrshire.exercise, notes={clacks.qi("6.2"): "x"}, by=ayrshire.inspector
        )


@pytest.mark.parametrize(
    ("start", "target"),
    [("support", "analysis"), ("submitted", "feedback"), ("support", "published"),
     ("support", "submitted"), ("analysis", "drafting"), ("published", "feedback")],
)  # fmt: skip
def test_illegal_moves_are_refused_with_a_clear_error(ayrshire, start, target):
    Exercise.objects.filter(pk=ayrshire.exercise.pk).update(status=start)
    ayrshire.exercise.refresh_from_db()
    with pytest.raises(ApplicationError):
        services.exercise_transition(exercise=ayrshire.exercise, to=target, by=ayrshire.inspector)
    ayrshire.exercise.refresh_from_db()
    assert ayrshire.exercise.status == start


def test_a_decision_not_validated_needs_reasons(ayrshire):
    answer_all(ayrshire)
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    with pytest.raises(ApplicationError, match="analysis, follow-up or feedback"):
        services.qi_decide(exercise_qi=ayrshire.qi("6.2"), decision="validated", by=ayrshire.hmics)
    services.exercise_transition(exercise=ayrshire.exercise, to="analysis", by=ayrshire.inspector)
    with pytest.raises(ApplicationError, match="Give the reasons"):
        services.qi_decide(
            exercise_qi=ayrshire.qi("6.2"), decision="not_validated", by=ayrshire.hmics
        )
    services.qi_decide(
        exercise_qi=ayrshire.qi("6.2"), decision="not_validated", reasons="Thin", by=ayrshire.hmics
    )
    assert ayrshire.qi("6.2").status == ExerciseQI.Status.DECIDED


def test_follow_up_resolves_areas_of_uncertainty(ayrshire):
    import datetime as dt

    answer_all(ayrshire)
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    area = services.uncertainty_add(
        exercise_qi=ayrshire.qi("9.2"), text="Who leads?", by=ayrshire.inspector
    )
    activity = services.follow_up_record(
        exercise=ayrshire.exercise, kind="focus_group", date=dt.date(2019, 1, 10),
        participants="Six partners", resolves=[area], by=ayrshire.hmics,
    )  # fmt: skip
    area.refresh_from_db()
    assert area.resolved_by == activity


def test_publishing_needs_every_decision_confidence_and_feedback(ayrshire):
    answer_all(ayrshire)
    services.exercise_submit(exercise=ayrshire.exercise, by=ayrshire.member)
    services.exercise_transition(exercise=ayrshire.exercise, to="analysis", by=ayrshire.inspector)
    services.exercise_transition(exercise=ayrshire.exercise, to="feedback", by=ayrshire.inspector)
    with pytest.raises(ApplicationError, match="Record a decision for every QI"):
        services.letter_publish(exercise=ayrshire.exercise, by=ayrshire.inspector)


def test_publishing_makes_an_immutable_versioned_letter(ayrshire, sent):
    exercise = to_feedback(ayrshire)
    first = services.letter_publish(exercise=exercise, by=ayrshire.inspector)
    exercise.refresh_from_db()
    assert exercise.status == Exercise.Status.PUBLISHED
    assert first.version == 1 and first.document.version == 1
    assert first.document.kind == "validation_letter" and first.document.subject == exercise
    # Published: nothing changes without reopening, and reopening needs a reason.
    with pytest.raises(ApplicationError):
        services.exercise_conclusion_save(
            exercise=exercise, method="", confidence_statement="changed", next_steps="",
            feedback_date=None, feedback_notes="", by=ayrshire.inspector,
        )  # fmt: skip
    with pytest.raises(ApplicationError, match="Say why"):
        services.letter_reopen(exercise=exercise, reason="", by=ayrshire.inspector)
    services.letter_reopen(exercise=exercise, reason="Typo in 8.1", by=ayrshire.inspector)
    with pytest.raises(ApplicationError, match="replaces the published one"):
        services.letter_publish(exercise=exercise, by=ayrshire.inspector)
    second = services.letter_publish(exercise=exercise, reason="Typo fixed", by=ayrshire.inspector)
    assert second.version == 2 and second.document_id != first.document_id
    assert Document.objects.filter(kind="validation_letter").count() == 2
    assert first.document.state == second.document.state == Document.State.QUEUED


def test_the_letter_cannot_be_requested_before_publication(ayrshire):
    from reports.services import document_request

    with pytest.raises(ApplicationError, match="made when it is published"):
        document_request(kind="validation_letter", subject=ayrshire.exercise, by=ayrshire.inspector)


def test_comments_email_the_other_side(ayrshire, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(
            exercise_qi=ayrshire.qi("6.2"), body="Is this enough?", by=ayrshire.member
        )
    assert sorted(mailoutbox[0].to) == sorted([ayrshire.inspector.email, ayrshire.hmics.email])
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(exercise_qi=ayrshire.qi("6.2"), body="Yes.", by=ayrshire.inspector)
    assert mailoutbox[1].to == [ayrshire.member.email]
    assert "/partnerships/" in mailoutbox[1].body


def test_evidence_is_stored_through_the_upload_pipeline(ayrshire):
    link = services.evidence_add(
        exercise_qi=ayrshire.qi("6.2"), file=pdf_upload(), answer="know",
        claim="Board minutes show attendance", by=ayrshire.member,
    )  # fmt: skip
    assert link.stored_file.owner == ayrshire.exercise
    assert link.stored_file.scan_state == "clean"
    with pytest.raises(ApplicationError, match="Choose which answer"):
        services.evidence_add(
            exercise_qi=ayrshire.qi("6.2"), file=pdf_upload(), answer="other", claim="x",
            by=ayrshire.member,
        )  # fmt: skip


def test_an_unknown_stage_is_refused(ayrshire):
    with pytest.raises(ApplicationError, match="not a stage"):
        services.exercise_transition(exercise=ayrshire.exercise, to="closed", by=ayrshire.inspector)
