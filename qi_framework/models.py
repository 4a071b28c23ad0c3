"""The quality indicator framework, versioned.

A FrameworkVersion holds its own copy of everything: the six-point scale, key questions, high-level
indicators, quality indicators with their themes, illustration sets and the scopes of each kind of
scrutiny. Work records the version it used, so editing or replacing a framework never changes
work already done.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
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


# Instruments: the question sets (reading tools, interview schedules, surveys, feedback
# questionnaires, theme tagging) whose answers evidence the QIs. An InstrumentVersion owns its
# sections and questions; answers point at a Question, so they keep the version they were given
# against. Only a draft version may be edited; publishing freezes it (qi_framework.instruments).


class Instrument(TimeStampedModel):
    class Purpose(models.TextChoices):
        RECORD_READING = "record_reading", "Record reading"
        INTERVIEW = "interview", "Interview"
        SURVEY = "survey", "Survey"
        FEEDBACK = "feedback", "Feedback questionnaire"
        THEME_TAGGING = "theme_tagging", "Theme tagging"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    scrutiny_kind = models.CharField(
        max_length=32, choices=ScrutinyKind.choices, blank=True, default=""
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InstrumentVersion(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="instrument_versions"
    )
    note = models.TextField(blank=True)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["instrument__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrument_unique_version"
            ),
            models.UniqueConstraint(
                fields=["instrument"],
                condition=Q(status="published"),
                name="instrument_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.name} (version {self.version})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Section(models.Model):
    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.CASCADE, related_name="sections"
    )
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    help = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="section_unique_code")
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question of an instrument version.

    `code` is stable across versions, so answers to "the same" question can be compared between
    versions. `condition` and `derived` are small data expressions, never code: see
    qi_framework.instruments.conditions and qi_framework.derivations.
    """

    class Kind(models.TextChoices):
        YES_NO_NA = "yes_no_na", "Yes, no or not applicable"
        SINGLE_CHOICE = "single_choice", "One choice"
        MULTIPLE_CHOICE = "multiple_choice", "Several choices"
        DATE = "date", "Date"
        NUMBER = "number", "Number"
        RATING_6 = "rating_6", "Six-point rating"
        TEXT = "text", "Text"

    CHOICE_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE})

    version = models.ForeignKey(
        InstrumentVersion, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(max_length=60)
    text = models.TextField()
    help_text = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    required = models.BooleanField(default=False)
    options = models.JSONField(default=list, blank=True)
    min_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    condition = models.JSONField(null=True, blank=True)
    derived = models.JSONField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    qis = models.ManyToManyField(QualityIndicator, blank=True, related_name="questions")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="question_unique_code")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_derived(self) -> bool:
        return bool(self.derived)

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.get("value") == value:
                return option.get("label", value)
        return value


class AnswerBase(models.Model):
    """Typed columns for one answer to one question (docs/adr/0005-answer-storage.md).

    A concrete subclass declares `question` (a ForeignKey to qi_framework.Question), its owner
    (a reading, an interview, a survey response) and a unique constraint on (owner, question),
    and carries the indexes from `answer_value_indexes`. Exactly one typed column holds the
    value, chosen by the question's kind: choices and yes/no/not applicable in `value_code`,
    numbers and ratings in `value_number`, dates in `value_date`, several choices in
    `value_choices` (a list of option values), free text in `value_text`.
    """

    VALUE_FIELDS = ("value_code", "value_number", "value_date", "value_choices", "value_text")

    value_code = models.CharField(max_length=100, blank=True, default="")
    value_number = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_choices = models.JSONField(null=True, blank=True)
    value_text = models.TextField(blank=True, default="")

    class Meta:
        abstract = True

    def set_value(self, question: Question, value) -> None:
        """Store a parsed value (see qi_framework.instruments.validate_answer); None clears it."""
        self.question = question
        self.value_code, self.value_text = "", ""
        self.value_number = self.value_date = self.value_choices = None
        if value is None or value == "" or value == []:
            return
        kind = question.kind
        if kind in (Question.Kind.YES_NO_NA, Question.Kind.SINGLE_CHOICE):
            self.value_code = str(value)
        elif kind == Question.Kind.MULTIPLE_CHOICE:
            self.value_choices = [str(v) for v in value]
        elif kind in (Question.Kind.NUMBER, Question.Kind.RATING_6):
            self.value_number = Decimal(value)
        elif kind == Question.Kind.DATE:
            if not isinstance(value, dt.date):
                raise TypeError(f"A date question needs a date, not {value!r}.")
            self.value_date = value
        else:
            self.value_text = str(value)

    @property
    def value(self):
        """Return the stored value as the evaluation API uses it; None when unanswered."""
        kind = self.question.kind
        if kind in (Question.Kind.YES_NO_NA, Question.Kind.SINGLE_CHOICE):
            return self.value_code or None
        if kind == Question.Kind.MULTIPLE_CHOICE:
            return list(self.value_choices) if self.value_choices else None
        if kind == Question.Kind.RATING_6:
            return int(self.value_number) if self.value_number is not None else None
        if kind == Question.Kind.NUMBER:
            return self.value_number
        if kind == Question.Kind.DATE:
            return self.value_date
        return self.value_text or None


def answer_value_indexes(prefix: str) -> list[models.Index]:
    """Return the per-question aggregation indexes ADR 0005 asks each answer table to carry.

    `prefix` keeps index names unique and within 30 characters, e.g. "insp_answer".
    """
    return [
        models.Index(fields=["question", "value_code"], name=f"{prefix}_q_code"),
        models.Index(fields=["question", "value_number"], name=f"{prefix}_q_number"),
        models.Index(fields=["question", "value_date"], name=f"{prefix}_q_date"),
    ]


# Responses from people without an account (feedback questionnaires, anonymous surveys): a
# ResponseLink is the only way in, and its raw token is never stored (qi_framework.responses).
# A Response records nothing about who answered: no user, no address.


class ResponseLink(models.Model):
    """A link to fill in an instrument, about one subject (an inspection, an exercise...)."""

    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="response_links"
    )
    label = models.CharField(
        max_length=200, help_text="The page heading people see, e.g. “Feedback on the …”."
    )
    subject_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    token_hash = models.CharField(max_length=64, unique=True)
    single_use = models.BooleanField(default=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="resp_link_subject"),
        ]

    def __str__(self) -> str:
        return self.label


class FormToken(models.Model):
    """A one-time submission token, issued each time a link's form is shown."""

    link = models.ForeignKey(ResponseLink, on_delete=models.CASCADE, related_name="form_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Form token {self.pk}"


class Response(models.Model):
    """One set of answers sent through a link. Deliberately holds nothing about the person."""

    link = models.ForeignKey(ResponseLink, on_delete=models.PROTECT, related_name="responses")
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="responses"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"Response {self.pk}"


class ResponseAnswer(AnswerBase):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="response_answer_unique")
        ]
        indexes = answer_value_indexes("resp_answer")

    def __str__(self) -> str:
        return f"{self.response_id}: {self.question_id}"
