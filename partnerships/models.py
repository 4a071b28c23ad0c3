"""Community justice partnerships and their supported and validated self-evaluation (SVSE).

A partnership is an accounts.Organisation of kind "partnership" (covering one or more local
authorities). Here it gains partner organisations with named representatives, and exercises:
one self-evaluation against a few QIs, supported by a strategic inspector, validated per QI and
closed by a published validation letter. Only partnerships.services changes these rows.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel


class PartnerOrganisation(TimeStampedModel):
    """A statutory, third-sector or other partner of one partnership (DOMAIN §7.1)."""

    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        HEALTH_BOARD = "health_board", "Health board"
        POLICE = "police", "Police Scotland (Chief Constable)"
        FIRE = "fire", "Scottish Fire and Rescue Service"
        SDS = "sds", "Skills Development Scotland"
        IJB = "ijb", "Integration joint board"
        SCTS = "scts", "Scottish Courts and Tribunals Service"
        MINISTERS = "ministers", "Scottish Ministers (Scottish Prison Service, COPFS)"
        THIRD_SECTOR = "third_sector", "Third sector"
        OTHER = "other", "Other partner"

    STATUTORY = frozenset(
        {
            Kind.LOCAL_AUTHORITY,
            Kind.HEALTH_BOARD,
            Kind.POLICE,
            Kind.FIRE,
            Kind.SDS,
            Kind.IJB,
            Kind.SCTS,
            Kind.MINISTERS,
        }
    )

    partnership = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="partners",
        limit_choices_to={"kind": "partnership"},
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["partnership__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "name"], name="partner_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_statutory(self) -> bool:
        return self.kind in self.STATUTORY


class Representative(TimeStampedModel):
    partner = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="representatives"
    )
    name = models.CharField(max_length=150)
    role_title = models.CharField("role", max_length=150)
    email = models.EmailField(blank=True)
    is_chair = models.BooleanField(
        default=False,
        help_text="The partnership chair, to whom the validation letter is addressed.",
    )

    class Meta:
        ordering = ["partner__name", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.role_title}"


class Exercise(TimeStampedModel):
    """One supported and validated self-evaluation of one partnership."""

    class Status(models.TextChoices):
        SUPPORT = "support", "Support and guidance"
        DRAFTING = "drafting", "Drafting the self-evaluation"
        SUBMITTED = "submitted", "Submitted"
        ANALYSIS = "analysis", "Analysis"
        FOLLOW_UP = "follow_up", "Follow-up activities"
        FEEDBACK = "feedback", "Feedback and decisions"
        PUBLISHED = "published", "Letter published"

    partnership = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="exercises",
        limit_choices_to={"kind": "partnership"},
    )
    framework = models.ForeignKey("qi_framework.FrameworkVersion", on_delete=models.PROTECT)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUPPORT)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    submission_due = models.DateField(null=True, blank=True)
    hmics_involved = models.BooleanField("HMICS involved", default=True)
    method = models.TextField(blank=True, help_text="How the validation was carried out.")
    confidence_statement = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    feedback_date = models.DateField("verbal feedback given on", null=True, blank=True)
    feedback_notes = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The publication counter: the letter version the Document pipeline renders (0 = none yet).
    letter_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-start_date", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("partnerships:exercise_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """True when no QI is open for the partnership to edit."""
        return not self.qis.filter(status=ExerciseQI.Status.DRAFTING).exists()


class ExerciseQI(models.Model):
    """One QI of an exercise: the partnership's answers and grade, then the validation."""

    class Status(models.TextChoices):
        DRAFTING = "drafting", "Drafting"
        SUBMITTED = "submitted", "Submitted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"  # reopened, resubmit
        DECIDED = "decided", "Decision recorded"

    class Decision(models.TextChoices):
        VALIDATED = "validated", "Validated"
        NOT_VALIDATED = "not_validated", "Not validated"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="qis")
    quality_indicator = models.ForeignKey("qi_framework.QualityIndicator", on_delete=models.PROTECT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFTING)
    grade = models.PositiveSmallIntegerField(
        "self-evaluated grade",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    how_good_now = models.TextField("How good are we now?", blank=True)
    how_do_we_know = models.TextField("How do we know?", blank=True)
    how_good_can_we_be = models.TextField("How good can we be?", blank=True)
    contributors = models.ManyToManyField(PartnerOrganisation, blank=True, related_name="+")
    change_request = models.TextField(blank=True)
    analysis = models.TextField(blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    areas_for_improvement = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["exercise", "quality_indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise", "quality_indicator"], name="exerciseqi_unique"
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=6),
                name="exerciseqi_grade_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quality_indicator.code} {self.quality_indicator.name}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.DRAFTING


class Answer(models.TextChoices):
    """Which of the three questions a piece of evidence supports."""

    NOW = "now", "How good are we now?"
    KNOW = "know", "How do we know?"
    CAN_BE = "can_be", "How good can we be?"


class EvidenceLink(models.Model):
    """A file that supports a claim in one answer. The StoredFile's owner is the exercise."""

    exercise_qi = models.ForeignKey(ExerciseQI, on_delete=models.CASCADE, related_name="evidence")
    answer = models.CharField(max_length=8, choices=Answer.choices)
    stored_file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    claim = models.CharField("the claim it supports", max_length=300)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exercise_qi", "answer", "created_at"]

    def __str__(self) -> str:
        return self.claim


class Comment(models.Model):
    """One message in a QI's support thread between the inspectors and the partnership."""

    exercise_qi = models.ForeignKey(ExerciseQI, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.exercise_qi}"


class DevelopmentSession(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    attendees = models.TextField(help_text="Who attended, one per line or as a list.")
    attendee_count = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"Development session on {self.date:%d %B %Y}"


class FollowUpActivity(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        INTERVIEW = "interview", "Interview"
        FOCUS_GROUP = "focus_group", "Focus group"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    date = models.DateField()
    participants = models.TextField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name_plural = "follow-up activities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.date:%d %B %Y}"


class UncertaintyArea(models.Model):
    exercise_qi = models.ForeignKey(
        ExerciseQI, on_delete=models.CASCADE, related_name="uncertainties"
    )
    text = models.TextField()
    resolved_by = models.ForeignKey(
        FollowUpActivity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolves",
    )

    class Meta:
        ordering = ["exercise_qi", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class LetterPublication(models.Model):
    """One published version of an exercise's validation letter; never changed afterwards."""

    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="letters")
    version = models.PositiveIntegerField()
    document = models.ForeignKey("reports.Document", on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField()
    reason = models.TextField(blank=True, help_text="Why this version supersedes the last.")

    class Meta:
        ordering = ["exercise", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "version"], name="letter_unique_version")
        ]

    def __str__(self) -> str:
        return f"Validation letter, version {self.version}"


class FeedbackRequest(models.Model):
    """One sending of the feedback questionnaire to a partnership after its letter is published.

    The single-use link lives in qi_framework (ResponseLink, token kept only as a hash); this row
    records who sent it, when and to how many people. Sending again makes a new row and link and
    cancels the previous link if it is still unused.
    """

    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="feedback_requests"
    )
    link = models.OneToOneField(
        "qi_framework.ResponseLink", on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipients = models.PositiveIntegerField("number of people emailed")

    class Meta:
        ordering = ["exercise", "-sent_at", "-id"]
        get_latest_by = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"Feedback questionnaire sent on {self.sent_at:%d %B %Y}"
