"""Writes for themes: the review team names themes and tags free-text answers with them.

Themes belong to one review. Tags sit on free-text answers (staff survey, prison survey,
recall interviews) of that review only; `theme_counts` (throughcare.selectors.themes) totals them.
"""

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction

from core.exceptions import ApplicationError
from core.services import audit_record
from throughcare.models import SurveyTheme, ThematicReview, ThemeTag
from throughcare.selectors.themes import free_text_answers

__all__ = ["theme_create", "theme_delete", "theme_tags_set", "theme_update"]

THEME_NAME_REQUIRED = "Enter the theme’s name."
THEME_NAME_TOO_LONG = "The theme’s name must be 120 characters or fewer."
THEME_NAME_TAKEN = "This review already has a theme called “{name}”. Choose another name."
ANSWER_NOT_OF_REVIEW = (
    "Some of the answers are not free-text answers of this review. Reload the page and try again."
)


def _clean_name(review: ThematicReview, name: str, theme: SurveyTheme | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ApplicationError(THEME_NAME_REQUIRED)
    if len(name) > 120:
        raise ApplicationError(THEME_NAME_TOO_LONG)
    taken = SurveyTheme.objects.filter(review=review, name__iexact=name)
    if theme is not None:
        taken = taken.exclude(pk=theme.pk)
    if taken.exists():
        raise ApplicationError(THEME_NAME_TAKEN.format(name=name))
    return name


@transaction.atomic
def theme_create(
    *, review: ThematicReview, name: str, description: str = "", by, request=None
) -> SurveyTheme:
    """Add a theme to the review."""
    name = _clean_name(review, name)
    try:
        with transaction.atomic():
            theme = SurveyTheme.objects.create(
                review=review, name=name, description=(description or "").strip()
            )
    except IntegrityError:
        raise ApplicationError(THEME_NAME_TAKEN.format(name=name)) from None
    audit_record(
        action="survey_theme_created",
        actor=by,
        obj=theme,
        request=request,
        new={"review": review.pk, "name": name},
    )
    return theme


@transaction.atomic
def theme_update(
    *, theme: SurveyTheme, name: str, description: str = "", by, request=None
) -> SurveyTheme:
    """Rename a theme or change its description; its tags stay."""
    name = _clean_name(theme.review, name, theme)
    old = {"name": theme.name, "description": theme.description}
    theme.name = name
    theme.description = (description or "").strip()
    theme.save(update_fields=["name", "description"])
    audit_record(
        action="survey_theme_updated",
        actor=by,
        obj=theme,
        request=request,
        old=old,
        new={"name": theme.name, "description": theme.description},
    )
    return theme


@transaction.atomic
def theme_delete(*, theme: SurveyTheme, by, request=None) -> None:
    """Delete a theme and its tags."""
    tags = theme.tags.count()
    audit_record(
        action="survey_theme_deleted",
        actor=by,
        obj=theme,
        request=request,
        old={"name": theme.name, "tags": tags},
    )
    theme.delete()


@transaction.atomic
def theme_tags_set(
    *,
    review: ThematicReview,
    answer_ids: Iterable[int],
    chosen: Mapping[int, Iterable[int]],
    by,
    request=None,
) -> tuple[int, int]:
    """Make the tags of the answers `answer_ids` exactly the themes in `chosen[answer_id]`.

    Only the answers listed change (a page of the tagging list), so tags on other pages stay.
    Return (tags added, tags removed).
    """
    answer_ids = {int(pk) for pk in answer_ids}
    if not answer_ids:
        return 0, 0
    known = set(
        free_text_answers(review=review).filter(pk__in=answer_ids).values_list("pk", flat=True)
    )
    if known != answer_ids:
        raise ApplicationError(ANSWER_NOT_OF_REVIEW)
    themes = set(SurveyTheme.objects.filter(review=review).values_list("pk", flat=True))
    wanted = {
        (int(theme_id), answer_id)
        for answer_id in answer_ids
        for theme_id in chosen.get(answer_id, ())
        if int(theme_id) in themes
    }
    existing = set(
        ThemeTag.objects.filter(theme__review=review, answer_id__in=answer_ids).values_list(
            "theme_id", "answer_id"
        )
    )
    added = wanted - existing
    removed = existing - wanted
    ThemeTag.objects.bulk_create(
        [ThemeTag(theme_id=t, answer_id=a, tagged_by=by) for t, a in sorted(added)],
        ignore_conflicts=True,
    )
    for theme_id, answer_id in removed:
        ThemeTag.objects.filter(theme_id=theme_id, answer_id=answer_id).delete()
    if added or removed:
        audit_record(
            action="survey_theme_tags_set",
            actor=by,
            obj=review,
            request=request,
            old={"tags": sorted([t, a] for t, a in removed)},
            new={"tags": sorted([t, a] for t, a in added)},
        )
    return len(added), len(removed)
