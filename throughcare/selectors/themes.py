"""Reads for themes: the review's themes, its free-text answers to tag, and theme counts."""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from qi_framework.models import Question, ResponseAnswer
from throughcare.models import ReviewArea, SurveyTheme, ThematicReview, ThemeTag
from throughcare.selectors.surveys import (
    SOURCE_INTERVIEWS,
    SOURCE_PRISON,
    SOURCE_STAFF,
    SURVEY_SOURCES,
    source_responses,
)

__all__ = [
    "TaggableAnswer",
    "free_text_answers",
    "taggable_answers",
    "theme_counts",
    "themes_of",
]


def themes_of(*, review: ThematicReview) -> QuerySet[SurveyTheme]:
    """Return the review's themes with how many answers each is tagged on (`tag_count`)."""
    return SurveyTheme.objects.filter(review=review).annotate(tag_count=Count("tags"))


def free_text_answers(*, review: ThematicReview, source: str | None = None) -> QuerySet:
    """Return the review's written answers (staff survey, prison survey, interviews)."""
    sources = [source] if source else list(SURVEY_SOURCES)
    condition = Q()
    for key in sources:
        condition |= Q(response__in=source_responses(review=review, source=key))
    return (
        ResponseAnswer.objects.filter(condition, question__kind=Question.Kind.TEXT)
        .exclude(value_text="")
        .exclude(value_text__isnull=True)
        .order_by("response__submitted_at", "pk")
    )


@dataclass
class TaggableAnswer:
    answer: ResponseAnswer
    source: str  # a SURVEY_SOURCES key
    area: ReviewArea | None
    themes: set[int]

    @property
    def source_label(self) -> str:
        return SURVEY_SOURCES[self.source]


def _source_of(review: ThematicReview):
    area_type = ContentType.objects.get_for_model(ReviewArea).id
    interview_version = review.interview_instrument_id

    def source_of(answer: ResponseAnswer) -> str:
        link = answer.response.link
        if link.subject_type_id == area_type:
            return SOURCE_STAFF
        if link.instrument_version_id == interview_version:
            return SOURCE_INTERVIEWS
        return SOURCE_PRISON

    return source_of


def taggable_answers(*, review: ThematicReview, answers) -> list[TaggableAnswer]:
    """Return one page of free-text answers with their source, area and current themes."""
    answers = list(answers)
    ids = [a.pk for a in answers]
    tags: dict[int, set[int]] = defaultdict(set)
    for theme_id, answer_id in ThemeTag.objects.filter(
        theme__review=review, answer_id__in=ids
    ).values_list("theme_id", "answer_id"):
        tags[answer_id].add(theme_id)
    areas = {a.pk: a for a in review.areas.select_related("activity__authority")}
    source_of = _source_of(review)
    rows = []
    for answer in answers:
        source = source_of(answer)
        area = areas.get(answer.response.link.subject_id) if source == SOURCE_STAFF else None
        rows.append(TaggableAnswer(answer, source, area, tags[answer.pk]))
    return rows


def theme_counts(
    *, review: ThematicReview
) -> list[tuple[SurveyTheme, str, ReviewArea | None, int]]:
    """Return (theme, source, area or None, answers tagged) for every theme used.

    The staff survey is counted per area; the prison survey and the interviews, which are not
    tied to an area, have None. Sources are SURVEY_SOURCES keys. Themes and areas in order.
    """
    themes = {t.pk: t for t in SurveyTheme.objects.filter(review=review)}
    areas = list(review.areas.select_related("activity__authority"))
    area_by_id = {a.pk: a for a in areas}
    counts: list[tuple[SurveyTheme, str, ReviewArea | None, int]] = []
    for source in SURVEY_SOURCES:
        tags = ThemeTag.objects.filter(
            theme__review=review,
            answer__response__in=source_responses(review=review, source=source),
        )
        if source == SOURCE_STAFF:
            rows = tags.values_list("theme_id", "answer__response__link__subject_id").annotate(
                n=Count("pk")
            )
            for theme_id, area_id, n in rows.order_by():
                counts.append((themes[theme_id], source, area_by_id.get(area_id), n))
        else:
            for theme_id, n in tags.values_list("theme_id").annotate(n=Count("pk")).order_by():
                counts.append((themes[theme_id], source, None, n))
    order = {key: i for i, key in enumerate(SURVEY_SOURCES)}
    area_order = {a.pk: i for i, a in enumerate(areas)}
    counts.sort(
        key=lambda row: (
            row[0].name.lower(),
            order[row[1]],
            area_order.get(row[2].pk, -1) if row[2] else -1,
        )
    )
    return counts
