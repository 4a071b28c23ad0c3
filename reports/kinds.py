"""The kinds of document the service makes, in one registry.

A kind says what a document is about (its subject model), who may ask for it and download it
(a rules permission checked against the subject), which template renders it and with what
context, what its file is called, and which revision of the subject's content it renders. Later
features (inspection reports, validation letters) register their kinds the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.exceptions import ApplicationError

UNKNOWN_KIND = "There is no kind of document called “{code}”."
WRONG_SUBJECT = "A {label} cannot be made about that."


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str  # lower case, to sit inside a sentence: "framework booklet"
    template_name: str
    subject_model: str | None  # "app_label.ModelName", or None for a document about nothing
    permission: str  # rules permission checked with the subject as object
    title: Callable[[Any], str]
    build_context: Callable[[Any], dict[str, Any]]
    filename: Callable[[Any], str]  # (document) -> the name a person's download is saved as
    subject_version: Callable[[Any], int]
    subject_url: Callable[[Any], str] | None = None  # the page about the subject
    language: str = "en-GB"

    def subject_class(self) -> type[models.Model] | None:
        return apps.get_model(self.subject_model) if self.subject_model else None

    def check_subject(self, subject) -> None:
        model = self.subject_class()
        if (model is None and subject is not None) or (
            model is not None and not isinstance(subject, model)
        ):
            raise ApplicationError(WRONG_SUBJECT.format(label=self.label))


_registry: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> DocumentKind:
    """Add a kind of document; registering the same code twice replaces the first (reloads)."""
    _registry[kind.code] = kind
    return kind


def kind_get(code: str) -> DocumentKind:
    try:
        return _registry[code]
    except KeyError:
        raise ApplicationError(UNKNOWN_KIND.format(code=code)) from None


def kinds_all() -> list[DocumentKind]:
    return list(_registry.values())


# --- The QI framework booklet ------------------------------------------------------------------

# Administrators' edits to a framework version's content, each audited by qi_framework.services.
FRAMEWORK_EDIT_ACTIONS = ("quality_indicator_changed", "illustrations_changed")


def framework_revision(framework) -> int:
    """Return the revision of a framework version's content: 1, plus one per audited edit.

    The audit log is append-only, so the number only grows, and an edit makes the next booklet a
    new document. (If qi_framework gains its own revision counter, read that instead.)
    """
    from core.models import AuditEvent
    from qi_framework.models import QualityIndicator

    qi_ids = QualityIndicator.objects.filter(framework=framework).values_list("pk", flat=True)
    edits = AuditEvent.objects.filter(
        action__in=FRAMEWORK_EDIT_ACTIONS,
        object_type=QualityIndicator._meta.label_lower,
        object_id__in=[str(pk) for pk in qi_ids],
    ).count()
    return 1 + edits


def framework_booklet_title(framework) -> str:
    return f"Quality indicator framework, version {framework.version}: {framework.name}"


def framework_url(framework) -> str:
    return reverse("qi_framework:version_detail", args=[framework.version])


def framework_booklet_filename(document) -> str:
    framework = document.subject
    code = slugify(framework.code) if framework else "framework"
    number = framework.version if framework else 0
    suffix = f"-revision-{document.version}" if document.version > 1 else ""
    return f"quality-indicator-framework-{code}-version-{number}{suffix}.pdf"


def framework_booklet_context(framework) -> dict[str, Any]:
    """Return what the booklet prints: the scale and every QI with themes and illustrations."""
    from qi_framework import selectors
    from reports.figures import scale_figure

    scale = list(framework.scale.all())
    labels = {level.value: level.label for level in scale}
    key_questions = []
    for kq in selectors.framework_tree(framework=framework):
        indicators = []
        for indicator in kq.indicators.all():
            qis = []
            for qi in indicator.quality_indicators.all():
                groups = [
                    {
                        "set": group.illustration_set,
                        "is_draft": group.illustration_set.status == "draft",
                        "items": [
                            {"level": level, "label": labels.get(level, ""), "text": text}
                            for level, text in group.by_level.items()
                        ],
                    }
                    for group in selectors.illustrations_for(qi=qi)
                ]
                qis.append({"qi": qi, "illustration_groups": groups})
            indicators.append({"indicator": indicator, "qis": qis})
        key_questions.append({"kq": kq, "indicators": indicators})
    sets = list(framework.illustration_sets.all())
    return {
        "framework": framework,
        "scale": scale,
        "scale_figure": scale_figure(scale),
        "key_questions": key_questions,
        "scopes": [
            {
                "scope": scope,
                "reported": [e.quality_indicator.code for e in scope.entries.all()],
                "evaluated": [e.quality_indicator.code for e in scope.entries.all() if e.evaluated],
            }
            for scope in selectors.framework_scopes(framework=framework)
        ],
        "illustration_sets": sets,
        "has_drafts": any(s.status == "draft" for s in sets),
        "produced_on": timezone.localdate(),
    }


FRAMEWORK_BOOKLET = register(
    DocumentKind(
        code="framework_booklet",
        label="framework booklet",
        template_name="reports/documents/framework_booklet.html",
        subject_model="qi_framework.FrameworkVersion",
        permission="qi_framework.view_framework",
        title=framework_booklet_title,
        build_context=framework_booklet_context,
        filename=framework_booklet_filename,
        subject_version=framework_revision,
        subject_url=framework_url,
    )
)
