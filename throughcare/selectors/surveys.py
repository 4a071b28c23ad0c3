"""Reads for a review's surveys and interviews: responses by source, links, rates and results.

A review has three sources of answers from people (besides record reading):
- "staff_survey": responses through the staff survey links of its areas (subject: an area);
- "prison_survey": responses to the prison survey, online (the general link) or on paper
  (typed in by the team through the internal paper link), subject: the review;
- "interviews": recall interviews recorded through the internal interview link.

`survey_results` gives each question's answers in the statistics module's words, for the
review's pages, the triangulation page and the per-area staff survey summary.

Choices where the issue was silent:
- A response rate needs the number of staff the survey went to; until the team sets it, the
  rate is "not known" (never a guess).
- Answers are totalled over the responses of one review (and area), not over every response
  to the instrument: `qi_framework.responses.responses_aggregate(responses=...)`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, QuerySet
from django.utils import timezone

from qi_framework.instruments import questions_of
from qi_framework.models import InstrumentVersion, Question, Response, ResponseLink
from qi_framework.responses import QuestionTotals, responses_aggregate
from reports.statistics import (
    Finding,
    count_phrase,
    percentage,
    quantifier_bands_current,
    sentence_for,
)
from throughcare.models import ReviewArea, ThematicReview

__all__ = [
    "CHANNEL_INTERVIEW",
    "CHANNEL_ONLINE",
    "CHANNEL_PAPER",
    "INTERVIEW_LINK_LABEL",
    "PAPER_LINK_LABEL",
    "PRISON_LINK_LABEL",
    "STAFF_LINK_LABEL",
    "SOURCE_INTERVIEWS",
    "SOURCE_PRISON",
    "SOURCE_STAFF",
    "SURVEY_SOURCES",
    "AreaRate",
    "SurveyOptionCount",
    "PrisonCounts",
    "SurveyQuestionResult",
    "SurveyLinks",
    "interview_responses",
    "prison_responses",
    "prison_survey_counts",
    "response_rates",
    "source_instrument",
    "source_responses",
    "staff_responses",
    "survey_links",
    "survey_results",
]

CHANNEL_ONLINE = "online"
CHANNEL_PAPER = "paper"
CHANNEL_INTERVIEW = "interview"
# Labels are the heading people see on the public page: never a person, never the review's
# own pages. The internal labels are never shown to the public (their tokens are not given
# out); they also tell a paper questionnaire from an online one.
STAFF_LINK_LABEL = "Staff survey: throughcare review"
PRISON_LINK_LABEL = "Survey of people with experience of recall"
PAPER_LINK_LABEL = "Paper questionnaires: survey of people with experience of recall"
INTERVIEW_LINK_LABEL = "Interviews with people recalled to prison"
INTERNAL_LABELS = {CHANNEL_PAPER: PAPER_LINK_LABEL, CHANNEL_INTERVIEW: INTERVIEW_LINK_LABEL}

SOURCE_STAFF = "staff_survey"
SOURCE_PRISON = "prison_survey"
SOURCE_INTERVIEWS = "interviews"
SURVEY_SOURCES = {
    SOURCE_STAFF: "Staff survey",
    SOURCE_PRISON: "Prison survey",
    SOURCE_INTERVIEWS: "Interviews with people recalled to prison",
}
# Who the answers come from, as a sentence names them: "Most staff (70%, 14 of 20) agreed".
SUBJECTS = {
    SOURCE_STAFF: "staff who answered",
    SOURCE_PRISON: "people who answered",
    SOURCE_INTERVIEWS: "people interviewed",
}
RATE_NOT_KNOWN = "not known"
UNKNOWN_SOURCE = "Unknown source {source!r}: use one of {known}."

# How a positive answer is counted, as the triangulation page counts it: options marked
# `"positive": true` in the instrument file (else these values) over the answers that are not
# neutral ("not applicable", "don't know").
POSITIVE_OPTION_VALUES = frozenset({"strongly_agree", "agree", "yes", "very_good", "good"})
NEUTRAL_VALUES = frozenset(
    {"na", "not_applicable", "dont_know", "do_not_know", "prefer_not_to_say", "not_sure"}
)
# Wording for the positive options of the instruments' scales.
POSITIVE_PREDICATES = {
    frozenset({"strongly_agree", "agree"}): "agreed or strongly agreed",
    frozenset({"very_confident", "confident"}): "were confident or very confident",
    frozenset({"very_good", "good"}): "said it was good or very good",
    frozenset({"yes_enough"}): "got enough help",
    frozenset({"yes"}): "answered yes",
}


def _type_id(model) -> int:
    return ContentType.objects.get_for_model(model).id


# --- Responses by source ---------------------------------------------------------------------


def staff_responses(*, review: ThematicReview, area: ReviewArea | None = None) -> QuerySet:
    """Return the staff survey responses of the review (or of one of its areas)."""
    area_ids = [area.pk] if area is not None else review.areas.values("pk")
    return Response.objects.filter(
        link__subject_type_id=_type_id(ReviewArea), link__subject_id__in=area_ids
    )


def _review_links(review: ThematicReview, version: InstrumentVersion | None) -> QuerySet:
    return ResponseLink.objects.filter(
        subject_type_id=_type_id(ThematicReview),
        subject_id=review.pk,
        instrument_version=version,
    )


def prison_responses(*, review: ThematicReview, channel: str | None = None) -> QuerySet:
    """Return the prison survey responses: all, or only "online" or "paper" ones."""
    links = _review_links(review, review.prison_survey_instrument)
    if channel == CHANNEL_PAPER:
        links = links.filter(label=PAPER_LINK_LABEL)
    elif channel == CHANNEL_ONLINE:
        links = links.exclude(label=PAPER_LINK_LABEL)
    return Response.objects.filter(link__in=links)


def interview_responses(*, review: ThematicReview) -> QuerySet:
    """Return the recall interviews recorded for the review."""
    links = _review_links(review, review.interview_instrument).filter(label=INTERVIEW_LINK_LABEL)
    return Response.objects.filter(link__in=links)


def _check_source(source: str) -> None:
    if source not in SURVEY_SOURCES:
        raise ValueError(UNKNOWN_SOURCE.format(source=source, known=", ".join(SURVEY_SOURCES)))


def source_responses(
    *, review: ThematicReview, source: str, area: ReviewArea | None = None
) -> QuerySet:
    """Return the responses of one source; `area` narrows the staff survey to one area."""
    _check_source(source)
    if source == SOURCE_STAFF:
        return staff_responses(review=review, area=area)
    if source == SOURCE_PRISON:
        return prison_responses(review=review)
    return interview_responses(review=review)


def source_instrument(*, review: ThematicReview, source: str) -> InstrumentVersion | None:
    _check_source(source)
    return {
        SOURCE_STAFF: review.staff_survey_instrument,
        SOURCE_PRISON: review.prison_survey_instrument,
        SOURCE_INTERVIEWS: review.interview_instrument,
    }[source]


# --- Links -----------------------------------------------------------------------------------


@dataclass
class AreaLink:
    area: ReviewArea
    link: ResponseLink | None  # the current link (not cancelled, not expired), if any
    responses: int


@dataclass
class SurveyLinks:
    staff: list[AreaLink]
    prison: ResponseLink | None
    prison_responses: int


def _current(links: Iterable[ResponseLink]) -> ResponseLink | None:
    now = timezone.now()
    return next((k for k in links if k.revoked_at is None and k.expires_at > now), None)


def survey_links(*, review: ThematicReview) -> SurveyLinks:
    """Return each area's current staff survey link and the current prison survey link."""
    areas = list(review.areas.select_related("activity__authority"))
    links = ResponseLink.objects.filter(
        subject_type_id=_type_id(ReviewArea),
        subject_id__in=[a.pk for a in areas],
        label=STAFF_LINK_LABEL,
    ).order_by("-created_at")
    by_area: dict[int, list[ResponseLink]] = {}
    for link in links:
        by_area.setdefault(link.subject_id, []).append(link)
    counts = dict(
        staff_responses(review=review)
        .order_by()
        .values_list("link__subject_id")
        .annotate(n=Count("pk"))
    )
    prison = _review_links(review, review.prison_survey_instrument).filter(label=PRISON_LINK_LABEL)
    return SurveyLinks(
        staff=[AreaLink(a, _current(by_area.get(a.pk, [])), counts.get(a.pk, 0)) for a in areas],
        prison=_current(prison.order_by("-created_at")),
        prison_responses=prison_responses(review=review, channel=CHANNEL_ONLINE).count(),
    )


# --- Counts and rates ------------------------------------------------------------------------


@dataclass
class AreaRate:
    area: ReviewArea
    responses: int
    population: int | None
    rate: str  # "58%", "7 of 9" below the minimum for a percentage, or "not known"
    sentence: str


def _rate_words(responses: int, population: int | None, bands) -> tuple[str, str]:
    responses_words = f"{responses:,} {'response' if responses == 1 else 'responses'}"
    if not population:
        return RATE_NOT_KNOWN, (
            f"{responses_words}; the response rate is not known until the number of staff "
            "the survey went to is entered."
        )
    if responses > population:
        return RATE_NOT_KNOWN, (
            f"{responses_words}, more than the {population:,} staff the survey went to: "
            "check the number of staff."
        )
    shown = percentage(responses, population)
    rate = shown or f"{responses:,} of {population:,}"
    finding = Finding(
        numerator=responses,
        denominator=population,
        subject="the staff the survey went to",
        predicate="responded",
    )
    return rate, sentence_for(finding, bands)


def response_rates(*, review: ThematicReview) -> list[AreaRate]:
    """Return each area's staff survey responses and response rate, in words."""
    bands = quantifier_bands_current()
    areas = list(review.areas.select_related("activity__authority"))
    counts = dict(
        staff_responses(review=review)
        .order_by()
        .values_list("link__subject_id")
        .annotate(n=Count("pk"))
    )
    rates = []
    for area in areas:
        responses = counts.get(area.pk, 0)
        rate, sentence = _rate_words(responses, area.staff_survey_population, bands)
        rates.append(AreaRate(area, responses, area.staff_survey_population, rate, sentence))
    return rates


@dataclass
class PrisonCounts:
    online: int
    paper: int
    interviews: int
    interviews_consented: int

    @property
    def total(self) -> int:
        return self.online + self.paper


def prison_survey_counts(*, review: ThematicReview) -> PrisonCounts:
    """Return prison survey responses by channel (online, paper) and the interviews recorded."""
    interviews = interview_responses(review=review)
    return PrisonCounts(
        online=prison_responses(review=review, channel=CHANNEL_ONLINE).count(),
        paper=prison_responses(review=review, channel=CHANNEL_PAPER).count(),
        interviews=interviews.count(),
        interviews_consented=interviews.filter(
            answers__question__code="consent_given", answers__value_code="yes"
        ).count(),
    )


# --- Results per question --------------------------------------------------------------------


@dataclass
class SurveyOptionCount:
    value: str
    label: str
    count: int
    percent: str | None  # None below the minimum denominator for a percentage


@dataclass
class SurveyQuestionResult:
    code: str
    text: str
    kind: str
    qis: list[str]
    answered: int
    options: list[SurveyOptionCount] = field(default_factory=list)
    mean: float | None = None
    finding: Finding | None = None  # the headline count, for comparisons across sources
    sentence: str = ""  # the headline in words; for free text, how many wrote something


def _totals(version: InstrumentVersion, responses: QuerySet) -> list[QuestionTotals]:
    return responses_aggregate(instrument_versions=version, responses=responses)


def _positive_values(question: Question) -> set[str]:
    flagged = {o["value"] for o in question.options if o.get("positive")}
    if flagged:
        return flagged
    return {o["value"] for o in question.options} & POSITIVE_OPTION_VALUES


def _headline(total: QuestionTotals, question: Question, subject: str) -> Finding | None:
    """Return the count that sums a question up: good or better, yes, or the positive options."""
    if not total.answered:
        return None
    counts = total.counts
    if total.kind == Question.Kind.RATING_6:
        good = sum(n for value, n in counts.items() if int(value) >= 4)
        return Finding(good, total.answered, subject, "gave a rating of good or better (4 to 6)")
    if total.kind == Question.Kind.YES_NO_NA:
        positive, predicate = {"yes"}, "answered yes"
    elif total.kind == Question.Kind.SINGLE_CHOICE:
        positive = _positive_values(question)
        if not positive:
            return None
        labels = " or ".join(f"‘{total.labels[v]}’" for v in counts if v in positive)
        predicate = POSITIVE_PREDICATES.get(frozenset(positive), f"answered {labels}")
    else:
        return None
    base = sum(n for value, n in counts.items() if value not in NEUTRAL_VALUES)
    if not base:
        return None
    return Finding(sum(counts.get(v, 0) for v in positive), base, subject, predicate)


def survey_results(
    *, review: ThematicReview, source: str, area: ReviewArea | None = None
) -> list[SurveyQuestionResult]:
    """Return each question's answers from one source, with a headline in words.

    For the staff survey, `area` narrows the answers to one area. Free-text answers are counted
    here, not shown (their themes are in `theme_counts`).
    """
    version = source_instrument(review=review, source=source)
    if version is None:
        return []
    responses = source_responses(review=review, source=source, area=area)
    bands = quantifier_bands_current()
    subject = SUBJECTS[source]
    questions = {q.code: q for q in questions_of(version)}
    qis: dict[str, list[str]] = {code: [] for code in questions}
    for code, qi in version.questions.values_list("code", "qis__code"):
        if qi:
            qis[code].append(qi)
    results = []
    for total in _totals(version, responses):
        options = [
            SurveyOptionCount(
                value,
                total.labels.get(value, value),
                count,
                percentage(count, total.answered) if total.answered else None,
            )
            for value, count in total.counts.items()
        ]
        finding = _headline(total, questions[total.code], subject)
        if finding is not None:
            sentence = sentence_for(finding, bands)
        elif total.kind == Question.Kind.TEXT:
            sentence = (
                f"{count_phrase(total.answered).capitalize()} written "
                f"{'answer' if total.answered == 1 else 'answers'}."
            )
        else:
            sentence = ""
        results.append(
            SurveyQuestionResult(
                code=total.code,
                text=total.text,
                kind=total.kind,
                qis=qis.get(total.code, []),
                answered=total.answered,
                options=options,
                mean=total.mean,
                finding=finding,
                sentence=sentence,
            )
        )
    return results
