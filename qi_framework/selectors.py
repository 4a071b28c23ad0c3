"""Reads of the QI framework."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from qi_framework.models import (
    FrameworkVersion,
    Illustration,
    IllustrationSet,
    KeyQuestion,
    QualityIndicator,
    Scope,
    ScopeEntry,
)

DEFAULT_FRAMEWORK_CODE = "cj-2016"


def framework_current(*, code: str = DEFAULT_FRAMEWORK_CODE) -> FrameworkVersion | None:
    return FrameworkVersion.objects.filter(code=code, is_current=True).first()


def framework_versions(*, code: str = DEFAULT_FRAMEWORK_CODE) -> QuerySet[FrameworkVersion]:
    return FrameworkVersion.objects.filter(code=code).order_by("-version")


def framework_tree(*, framework: FrameworkVersion) -> QuerySet[KeyQuestion]:
    """Return key questions with their indicators and QIs, in three queries."""
    return framework.key_questions.prefetch_related(
        "indicators",
        Prefetch(
            "indicators__quality_indicators",
            queryset=QualityIndicator.objects.order_by("position"),
        ),
    )


def framework_scopes(*, framework: FrameworkVersion) -> QuerySet[Scope]:
    return framework.scopes.prefetch_related(
        Prefetch("entries", queryset=ScopeEntry.objects.select_related("quality_indicator"))
    )


def scope_for(*, framework: FrameworkVersion, scrutiny_kind: str) -> list[ScopeEntry]:
    return list(
        ScopeEntry.objects.filter(scope__framework=framework, scope__scrutiny_kind=scrutiny_kind)
        .select_related("quality_indicator")
        .order_by("quality_indicator__position")
    )


@dataclass(frozen=True)
class IllustrationGroup:
    illustration_set: IllustrationSet
    by_level: dict[int, str]  # only levels with text, highest first


def illustrations_for(
    *, qi: QualityIndicator, scrutiny_kind: str | None = None
) -> list[IllustrationGroup]:
    """Return the illustration sets that apply, the set for this kind of scrutiny first.

    With a scrutiny kind, readers and evaluators see its own set (if there is one) and then the
    general set; with none, every set is returned, general first.
    """
    sets = list(IllustrationSet.objects.filter(framework_id=qi.framework_id))
    if scrutiny_kind:
        own = [s for s in sets if s.scrutiny_kind == scrutiny_kind]
        general = [s for s in sets if not s.scrutiny_kind]
        sets = own + general
    else:
        sets.sort(key=lambda s: (bool(s.scrutiny_kind), s.name))
    texts: dict[int, dict[int, str]] = {}
    for ill in Illustration.objects.filter(quality_indicator=qi, illustration_set__in=sets):
        texts.setdefault(ill.illustration_set_id, {})[ill.level] = ill.text
    return [
        IllustrationGroup(s, dict(sorted(texts[s.pk].items(), reverse=True)))
        for s in sets
        if s.pk in texts
    ]


def quality_indicator_get(*, framework: FrameworkVersion, code: str) -> QualityIndicator | None:
    return (
        QualityIndicator.objects.filter(framework=framework, code=code)
        .select_related("indicator__key_question")
        .first()
    )


def scopes_including(*, qi: QualityIndicator) -> list[ScopeEntry]:
    return list(ScopeEntry.objects.filter(quality_indicator=qi).select_related("scope"))


__all__ = ["Illustration"]
