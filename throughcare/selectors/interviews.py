"""Reads for recall interviews: the review's interviews, numbered, and one interview's answers."""

from dataclasses import dataclass

from inspections.selectors import interview_answers
from qi_framework.models import Response, ResponseAnswer
from throughcare.models import ThematicReview
from throughcare.selectors.surveys import interview_responses

__all__ = [
    "RecallInterview",
    "recall_interview_answers",
    "recall_interview_get",
    "recall_interviews",
]


@dataclass
class RecallInterview:
    response: Response
    number: int  # "Interview 3": the order they were recorded in, within the review
    date: object  # the interview date answered, else None
    consented: bool


def recall_interviews(*, review: ThematicReview) -> list[RecallInterview]:
    """Return the review's recall interviews in the order they were recorded."""
    responses = interview_responses(review=review).order_by("submitted_at", "pk")
    facts: dict[int, dict] = {}
    rows = ResponseAnswer.objects.filter(
        response__in=responses, question__code__in=("interview_date", "consent_given")
    ).values_list("response_id", "question__code", "value_date", "value_code")
    for pk, code, date, value in rows:
        facts.setdefault(pk, {})[code] = date if code == "interview_date" else value
    return [
        RecallInterview(
            response=response,
            number=number,
            date=facts.get(response.pk, {}).get("interview_date"),
            consented=facts.get(response.pk, {}).get("consent_given") == "yes",
        )
        for number, response in enumerate(responses, start=1)
    ]


def recall_interview_get(*, review: ThematicReview, pk: int) -> RecallInterview | None:
    """Return one of the review's interviews (None if it is not one of them)."""
    return next((i for i in recall_interviews(review=review) if i.response.pk == pk), None)


def recall_interview_answers(*, interview: RecallInterview) -> list[dict]:
    """Return the interview's sections with each answered question and its shown value."""
    return interview_answers(interview=interview.response)
