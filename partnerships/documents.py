"""The validation letter: a kind of document about an exercise (reports.kinds).

Its content version is the exercise's publication counter, so each published version is one
Document row and one file that never changes; a correction publishes the next version.
"""

from typing import Any

from django.urls import reverse
from django.utils.text import slugify

from core.exceptions import ApplicationError
from reports.kinds import DocumentKind, register

NOT_PUBLISHED = "The validation letter is made when it is published."


def letter_version(exercise) -> int:
    if exercise.letter_version < 1:
        raise ApplicationError(NOT_PUBLISHED)
    return exercise.letter_version


def letter_title(exercise) -> str:
    return f"Validation letter: {exercise.partnership.name}"


def letter_filename(document) -> str:
    exercise = document.subject
    name = slugify(exercise.partnership.name) if exercise else "partnership"
    return f"validation-letter-{name}-version-{document.version}.pdf"


def letter_url(exercise) -> str:
    return reverse("partnerships:exercise_detail", args=[exercise.pk])


def letter_context(exercise) -> dict[str, Any]:
    from partnerships.selectors import exercise_qis, exercise_team, partners_of, partnership_chair

    team = exercise_team(exercise=exercise)
    scale = {level.value: level.label for level in exercise.framework.scale.all()}
    qis = list(exercise_qis(exercise=exercise))
    for qi in qis:
        qi.grade_label = scale.get(qi.grade, "")
    partners = list(partners_of(partnership=exercise.partnership))
    bodies = ["the Care Inspectorate"]
    if exercise.hmics_involved:
        bodies.append("HM Inspectorate of Constabulary in Scotland (HMICS)")
    validated = [qi for qi in qis if qi.decision == "validated"]
    return {
        "exercise": exercise,
        "partnership": exercise.partnership,
        "authorities": list(exercise.partnership.covers.all()),
        "chair": partnership_chair(partnership=exercise.partnership),
        "partners": partners,
        "statutory": [p for p in partners if p.is_statutory],
        "others": [p for p in partners if not p.is_statutory],
        "qis": qis,
        "all_validated": len(validated) == len(qis),
        "none_validated": not validated,
        "bodies": bodies,
        "strategic_inspectors": team["strategic_inspector"],
        "hmics_inspectors": team["hmics_inspector"] if exercise.hmics_involved else [],
        "follow_ups": list(exercise.follow_ups.all()),
        "sessions": list(exercise.sessions.all()),
    }


VALIDATION_LETTER = register(
    DocumentKind(
        code="validation_letter",
        label="validation letter",
        template_name="reports/documents/validation_letter.html",
        subject_model="partnerships.Exercise",
        permission="partnerships.view_letter",
        title=letter_title,
        build_context=letter_context,
        filename=letter_filename,
        subject_version=letter_version,
        subject_url=letter_url,
    )
)
