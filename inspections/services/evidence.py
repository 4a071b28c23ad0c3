"""Writes for inspections: the inspectors' notes on the evidence for each QI in scope.

A note is one text per QI of an inspection, kept in sync by whoever on the inspection team
last saved it; every change is audited with the old and new text.
"""

from django.db import transaction

from core.exceptions import ApplicationError
from core.services import audit_record
from inspections.models import EvidenceNote, Inspection, InspectionQI

__all__ = [
    "EVIDENCE_NOTE_LIMIT",
    "EVIDENCE_NOTE_QI_NOT_IN_SCOPE",
    "EVIDENCE_NOTE_TOO_LONG",
    "evidence_note_save",
]

EVIDENCE_NOTE_LIMIT = 20_000
EVIDENCE_NOTE_TOO_LONG = f"The notes must be {EVIDENCE_NOTE_LIMIT:,} characters or fewer"
EVIDENCE_NOTE_QI_NOT_IN_SCOPE = (
    "QI {code} is not in the scope of this inspection, so it has no evidence notes. Add it to "
    "the QIs in scope first."
)


@transaction.atomic
def evidence_note_save(*, inspection: Inspection, code: str, text: str, by) -> EvidenceNote:
    """Store the inspectors' notes for one QI in scope (an empty text clears them)."""
    inspection_qi = (
        InspectionQI.objects.filter(inspection=inspection, quality_indicator__code=code)
        .select_related("quality_indicator")
        .first()
    )
    if inspection_qi is None:
        raise ApplicationError(EVIDENCE_NOTE_QI_NOT_IN_SCOPE.format(code=code))
    text = (text or "").strip().replace("\r\n", "\n")
    if len(text) > EVIDENCE_NOTE_LIMIT:
        raise ApplicationError(
            EVIDENCE_NOTE_TOO_LONG, extra={"errors": [("text", EVIDENCE_NOTE_TOO_LONG)]}
        )
    note, created = EvidenceNote.objects.select_for_update().get_or_create(
        inspection=inspection,
        quality_indicator=inspection_qi.quality_indicator,
        defaults={"text": text, "updated_by": by},
    )
    old = "" if created else note.text
    if not created:
        if old == text:
            return note
        note.text = text
        note.updated_by = by
        note.save(update_fields=["text", "updated_by", "updated_at"])
    audit_record(
        action="evidence_note_saved",
        actor=by,
        obj=note,
        old={"qi": code, "text": old},
        new={"qi": code, "text": text},
    )
    return note
