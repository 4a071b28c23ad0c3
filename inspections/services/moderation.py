"""Writes for inspections: moderation of double-read records.

Where the two independent readings of a record differ, the lead inspector records the answer
that counts, with the reason. It replaces both readers' answers in everything that counts
answers (inspections.selectors.answers_that_count); the readings themselves are kept as read.
"""

from typing import Any

from django.db import transaction

from core.exceptions import ApplicationError
from core.services import audit_record
from inspections.models import ModeratedAnswer, Reading, SampleRecord
from inspections.services.readings import value_to_json
from qi_framework.instruments import validate_answer
from qi_framework.models import Question

__all__ = [
    "MODERATION_LEAD_ONLY",
    "MODERATION_NOT_DOUBLE_READ",
    "MODERATION_READINGS_NOT_SUBMITTED",
    "MODERATION_REASON_REQUIRED",
    "moderation_record",
]

MODERATION_LEAD_ONLY = "Only the lead inspector can moderate answers."
MODERATION_REASON_REQUIRED = "Enter the reason for the moderated answer."
MODERATION_NOT_DOUBLE_READ = "This record has not been read twice, so there is nothing to moderate."
MODERATION_READINGS_NOT_SUBMITTED = (
    "Both readings of this record must be submitted before the answer can be moderated."
)


def moderation_record(
    *,
    sample_record: SampleRecord,
    question: Question,
    raw_value: Any,
    reason: str,
    by,
    request=None,
) -> ModeratedAnswer:
    """Record the answer that counts for one question of a double-read record, with the reason.

    Raise ApplicationError for a person who is not the lead, an empty reason, an answer the
    question does not accept (the message says why), or readings not both submitted.
    """
    from inspections.rules import activity_of

    if not by.has_perm("inspections.moderate", activity_of(sample_record)):
        raise ApplicationError(MODERATION_LEAD_ONLY)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(MODERATION_REASON_REQUIRED)
    check = validate_answer(question, raw_value)
    if check.error:
        raise ApplicationError(check.error)
    readings = list(Reading.objects.filter(sample_record=sample_record))
    if len(readings) < 2:
        raise ApplicationError(MODERATION_NOT_DOUBLE_READ)
    if any(r.status != Reading.Status.SUBMITTED for r in readings):
        raise ApplicationError(MODERATION_READINGS_NOT_SUBMITTED)
    with transaction.atomic():
        moderated = (
            ModeratedAnswer.objects.select_for_update()
            .filter(sample_record=sample_record, question=question)
            .first()
        )
        old = None
        if moderated is None:
            moderated = ModeratedAnswer(sample_record=sample_record, question=question)
        else:
            moderated.question = question
            old = {"value": value_to_json(moderated.value), "reason": moderated.reason}
        moderated.set_value(question, check.value)
        moderated.reason = reason
        moderated.moderated_by = by
        moderated.save()
        audit_record(
            action="answer_moderated",
            actor=by,
            obj=moderated,
            old=old,
            new={"value": value_to_json(check.value), "reason": reason},
            request=request,
            detail=question.code,
        )
    return moderated
