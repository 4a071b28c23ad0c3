"""The quality indicator framework, versioned.

A FrameworkVersion holds its own copy of everything: the six-point scale, key questions, high-level
indicators, quality indicators with their themes, illustration sets and the scopes of each kind of
scrutiny. Work records the version it used, so editing or replacing a framework never changes
work already done.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class ScrutinyKind(models.TextChoices):
    CPO_INSPECTION = "cpo_inspection", "Inspection of community payback orders"
    SVSE = "svse", "Supported and validated self-evaluation"
    THROUGHCARE_REVIEW = "throughcare_review", "Throughcare review"


class FrameworkVersion(TimeStampedModel):
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    published = models.DateField(null=True, blank=True)
    source = models.TextField(blank=True)
    is_current = models.BooleanField(default=False)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="copies"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_unique_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="framework_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


class ScaleLevel(models.Model):
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="scale")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    label = models.CharField(max_length=40)
    short_definition = models.CharField(max_length=200)
    long_definition = models.TextField(blank=True)
    long_definition_verified = models.BooleanField(default=False)

    class Meta:
        ordering = ["-value"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "value"], name="scale_unique_value"),
            models.CheckConstraint(
                condition=Q(value__gte=1) & Q(value__lte=6), name="scale_value_1_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.label}"


class KeyQuestion(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="key_questions"
    )
    number = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="key_question_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class Indicator(models.Model):
    """A high-level indicator (1 to 10)."""

    key_question = models.ForeignKey(
        KeyQuestion, on_delete=models.CASCADE, related_name="indicators"
    )
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class QualityIndicator(models.Model):
    class Kind(models.TextChoices):
        QI = "qi", "Quality indicator"
        CAPACITY = "capacity", "Capacity for improvement"

    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="quality_indicators"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="quality_indicators"
    )
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QI)
    description = models.TextField(blank=True)
    themes = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="qi_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IllustrationSet(models.Model):
    """Illustrations written for all work (scrutiny_kind empty) or for one kind of scrutiny."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft, to be confirmed by the inspectorate"
        CONFIRMED = "confirmed", "Confirmed"

    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="illustration_sets"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    scrutiny_kind = models.CharField(
        max_length=32, choices=ScrutinyKind.choices, blank=True, default=""
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["scrutiny_kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="illustration_set_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Illustration(models.Model):
    illustration_set = models.ForeignKey(
        IllustrationSet, on_delete=models.CASCADE, related_name="illustrations"
    )
    quality_indicator = models.ForeignKey(
        QualityIndicator, on_delete=models.CASCADE, related_name="illustrations"
    )
    level = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    text = models.TextField()

    class Meta:
        ordering = ["-level"]
        constraints = [
            models.UniqueConstraint(
                fields=["illustration_set", "quality_indicator", "level"],
                name="illustration_unique_level",
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=6), name="illustration_level_1_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"Level {self.level} illustration"


class Scope(models.Model):
    """The QIs a kind of scrutiny reports on, and which of them it evaluates (grades)."""

    framework = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="scopes")
    scrutiny_kind = models.CharField(max_length=32, choices=ScrutinyKind.choices)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["scrutiny_kind"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "scrutiny_kind"], name="scope_unique_kind")
        ]

    def __str__(self) -> str:
        return self.name


class ScopeEntry(models.Model):
    scope = models.ForeignKey(Scope, on_delete=models.CASCADE, related_name="entries")
    quality_indicator = models.ForeignKey(QualityIndicator, on_delete=models.CASCADE)
    evaluated = models.BooleanField(default=False)

    class Meta:
        ordering = ["quality_indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "quality_indicator"], name="scope_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope_id}: {self.quality_indicator_id}"
