"""Thematic reviews across several authorities, such as the 2021 throughcare review.

A review considers QIs (never grades them) in several areas. Each area's fieldwork is a
ScrutinyActivity, so population, sample, reading, moderation and the team come from the shared
machinery in `inspections`; what is particular to a review (the position statement, surveys,
recall interviews, themes, triangulation, recommendations to national partners) sits here.
Anonymous surveys and recall interviews are questionnaire-engine responses
(`qi_framework.responses`) through links whose subject is the review or one of its areas.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class ThematicReview(TimeStampedModel):
    """A thematic review commissioned from the inspectorate, e.g. throughcare (breach, recall)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        FIELDWORK = "fieldwork", "Fieldwork"
        ANALYSIS = "analysis", "Analysis"
        REPORTING = "reporting", "Reporting"
        PUBLISHED = "published", "Published"
        FOLLOW_UP = "follow_up", "Follow-up"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    commissioned_by = models.CharField(
        max_length=300,
        help_text="Who commissioned the review, e.g. the Recover, Renew, Transform programme’s "
        "subgroup on the recovery of community justice and prevention of offending.",
    )
    focus = models.TextField(help_text="What the review looks at, e.g. breach and recall.")
    framework = models.ForeignKey("qi_framework.FrameworkVersion", on_delete=models.PROTECT)
    # Considered, never graded.
    quality_indicators = models.ManyToManyField(
        "qi_framework.QualityIndicator", related_name="+", blank=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    # The timeline.
    starts_on = models.DateField("review starts")
    fieldwork_start = models.DateField(null=True, blank=True)
    fieldwork_end = models.DateField(null=True, blank=True)
    target_publication = models.DateField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    # Instruments (published questionnaire-engine versions) used across every area.
    reading_instrument = models.ForeignKey(
        "qi_framework.InstrumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    staff_survey_instrument = models.ForeignKey(
        "qi_framework.InstrumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    prison_survey_instrument = models.ForeignKey(
        "qi_framework.InstrumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    interview_instrument = models.ForeignKey(
        "qi_framework.InstrumentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The national report's narrative sections written by inspectors (introduction, context,
    # methodology notes, conclusion on assurance...): section key → text.
    narrative = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "title"]

    def __str__(self) -> str:
        return self.title


class ReviewArea(TimeStampedModel):
    """One participating authority's part in a review: its fieldwork is a ScrutinyActivity."""

    review = models.ForeignKey(ThematicReview, on_delete=models.CASCADE, related_name="areas")
    activity = models.OneToOneField(
        "inspections.ScrutinyActivity", on_delete=models.PROTECT, related_name="review_area"
    )
    position = models.PositiveSmallIntegerField(default=0)
    # Number of staff the survey went to, for the response rate.
    staff_survey_population = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["review", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.activity.authority} ({self.review})"


class PositionStatement(TimeStampedModel):
    """The authority's position statement: an uploaded document plus structured points."""

    area = models.OneToOneField(
        ReviewArea, on_delete=models.CASCADE, related_name="position_statement"
    )
    strengths = models.TextField(blank=True)
    challenges = models.TextField(blank=True)
    areas_for_improvement = models.TextField(blank=True)
    # Uploaded documents are StoredFiles whose owner is this statement.
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    review_notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Position statement: {self.area}"


class AreaMeeting(TimeStampedModel):
    """Verbal feedback to an area, or the follow-up meeting that informs improvement planning.

    Focus groups are FieldworkEvents on the area's activity, like an inspection's.
    """

    class Kind(models.TextChoices):
        VERBAL_FEEDBACK = "verbal_feedback", "Verbal feedback"
        FOLLOW_UP = "follow_up", "Follow-up meeting"

    area = models.ForeignKey(ReviewArea, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    held_on = models.DateField()
    attendees = models.TextField(blank=True, help_text="Who took part, by role.")
    points = models.TextField(help_text="The points made.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.held_on:%d %B %Y}"


class SurveyTheme(models.Model):
    """A theme inspectors tag free-text survey or interview answers with, within one review."""

    review = models.ForeignKey(ThematicReview, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="survey_theme_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ThemeTag(models.Model):
    """One free-text answer tagged with one theme."""

    theme = models.ForeignKey(SurveyTheme, on_delete=models.CASCADE, related_name="tags")
    answer = models.ForeignKey(
        "qi_framework.ResponseAnswer", on_delete=models.CASCADE, related_name="+"
    )
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    tagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["theme", "answer"], name="theme_tag_unique")]

    def __str__(self) -> str:
        return f"{self.theme}: {self.answer_id}"


class ReviewRecommendation(models.Model):
    """A recommendation of the national report to national partners, tracked afterwards."""

    class Status(models.TextChoices):
        OPEN = "open", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETE = "complete", "Complete"
        NOT_ACCEPTED = "not_accepted", "Not accepted"

    review = models.ForeignKey(
        ThematicReview, on_delete=models.CASCADE, related_name="recommendations"
    )
    text = models.TextField()
    owner = models.CharField(
        max_length=200, blank=True, help_text="The national partner responsible."
    )
    quality_indicators = models.ManyToManyField(
        "qi_framework.QualityIndicator", related_name="+", blank=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "position", "pk"]

    def __str__(self) -> str:
        return f"Recommendation {self.position}"


class RecommendationUpdate(models.Model):
    """A dated update on a recommendation's progress (status at the time and what happened)."""

    recommendation = models.ForeignKey(
        ReviewRecommendation, on_delete=models.CASCADE, related_name="updates"
    )
    status = models.CharField(max_length=16, choices=ReviewRecommendation.Status.choices)
    text = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"Update on {self.recommendation}"


class SubgroupFeedback(models.Model):
    """Feedback given to the commissioning body (e.g. the RRT subgroup) after the review."""

    review = models.ForeignKey(
        ThematicReview, on_delete=models.CASCADE, related_name="subgroup_feedback"
    )
    held_on = models.DateField()
    attendees = models.TextField(blank=True)
    points = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["held_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=""), name="subgroup_feedback_has_points")
        ]

    def __str__(self) -> str:
        return f"Feedback to the commissioners, {self.held_on:%d %B %Y}"
