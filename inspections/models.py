"""CPO inspections and the fieldwork machinery that thematic reviews reuse.

The shared machinery hangs off a ScrutinyActivity (the fieldwork of one piece of scrutiny in one
authority): its team (assignments point at the activity), population, sample, readings,
moderation, interviews and fieldwork events. A CPO inspection is one activity; an area's part in
a thematic review is another. CPO-specific parts (the inspection's dates, QIs, lifecycle and
self-evaluation) sit on Inspection.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from qi_framework.models import AnswerBase, ScrutinyKind, answer_value_indexes


class ScrutinyActivity(TimeStampedModel):
    """The fieldwork of one piece of scrutiny in one local authority."""

    title = models.CharField(max_length=200)
    scrutiny_kind = models.CharField(max_length=32, choices=ScrutinyKind.choices)
    authority = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="scrutiny_activities",
        limit_choices_to={"kind": "local_authority"},
    )
    framework = models.ForeignKey("qi_framework.FrameworkVersion", on_delete=models.PROTECT)
    population_schema = models.CharField(max_length=32)
    reading_instrument = models.ForeignKey(
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
    # Set when record-level data (readings, answers, interviews, population rows) was deleted
    # under the retention policy (retention app, ADR 0011); published documents, grades, frozen
    # figure registers and the dashboard's summary counts stay.
    record_data_deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    record_data_deleted_by_run = models.ForeignKey(
        "retention.RetentionRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="deleted_activities",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "scrutiny activities"

    def __str__(self) -> str:
        return self.title


class Inspection(TimeStampedModel):
    """An inspection of one authority's justice social work service (community payback orders)."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        SELF_EVALUATION = "self_evaluation", "Self-evaluation"
        FIELDWORK = "fieldwork", "Fieldwork"
        EVALUATION = "evaluation", "Evaluation"
        REPORTING = "reporting", "Reporting"
        PUBLISHED = "published", "Published"
        IMPROVEMENT = "improvement", "Improvement monitoring"
        CLOSED = "closed", "Closed"

    class Governance(models.TextChoices):
        IJB = "ijb", "Integration joint board (health and social care partnership)"
        COUNCIL = "council", "Within the council's own structures"

    activity = models.OneToOneField(
        ScrutinyActivity, on_delete=models.PROTECT, related_name="inspection"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    governance = models.CharField(max_length=10, choices=Governance.choices, blank=True)
    period_start = models.DateField("records in scope from")
    period_end = models.DateField("records in scope to")
    notice_date = models.DateField("notice to the authority", null=True, blank=True)
    self_evaluation_due = models.DateField(null=True, blank=True)
    fieldwork_start = models.DateField(null=True, blank=True)
    fieldwork_end = models.DateField(null=True, blank=True)
    feedback_date = models.DateField("verbal feedback", null=True, blank=True)
    target_publication = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-fieldwork_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="inspection_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class InspectionQI(models.Model):
    """A QI the inspection reports on, and whether it is evaluated on the six-point scale."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="qis")
    quality_indicator = models.ForeignKey("qi_framework.QualityIndicator", on_delete=models.PROTECT)
    evaluated = models.BooleanField(default=False)

    class Meta:
        ordering = ["quality_indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "quality_indicator"], name="inspection_qi_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.quality_indicator)


class SelfAssessment(TimeStampedModel):
    """The authority's own grade and narrative for one QI in scope."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="self_assessments"
    )
    quality_indicator = models.ForeignKey("qi_framework.QualityIndicator", on_delete=models.PROTECT)
    grade = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    narrative = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["quality_indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "quality_indicator"], name="self_assessment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspection}: {self.quality_indicator.code}"


class FieldworkEvent(TimeStampedModel):
    """A reading session, interview or focus group in the fieldwork timetable."""

    class Kind(models.TextChoices):
        READING_SESSION = "reading_session", "Record reading session"
        PEOPLE_ON_ORDERS = "people_on_orders", "Interviews with people on orders"
        STAFF_FOCUS_GROUP = "staff_focus_group", "Focus group with staff"
        STAFF_INTERVIEW = "staff_interview", "Interview with staff"
        PARTNER_AGENCIES = "partner_agencies", "Partner agencies"
        SENIOR_MANAGERS = "senior_managers", "Senior managers"
        CHIEF_OFFICERS = "chief_officers", "Chief officers"
        ELECTED_MEMBERS = "elected_members", "Elected members"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed with the local co-ordinator"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    activity = models.ForeignKey(
        ScrutinyActivity, on_delete=models.CASCADE, related_name="fieldwork_events"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    is_remote = models.BooleanField(default=False)
    place = models.CharField(max_length=200, blank=True)
    attendees = models.JSONField(default=list, blank=True, help_text="Role categories attending")
    participants = models.JSONField(
        default=dict, blank=True, help_text="Who took part: role category → number of people"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.date:%d %B %Y}"


class Population(TimeStampedModel):
    """The records in scope, uploaded by the authority or an inspector (all-or-nothing)."""

    activity = models.OneToOneField(
        ScrutinyActivity, on_delete=models.CASCADE, related_name="population"
    )
    schema = models.CharField(max_length=32)
    source_file = models.ForeignKey(
        "core.StoredFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    row_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Population of {self.activity}"


class PopulationRecord(models.Model):
    """One pseudonymised record; schema-specific fields live in `data`."""

    population = models.ForeignKey(Population, on_delete=models.CASCADE, related_name="records")
    reference = models.CharField(max_length=64)
    row_number = models.PositiveIntegerField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["population", "reference"], name="population_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Sample(TimeStampedModel):
    """A reproducible, stratified sample of a population, with its reserve list."""

    activity = models.OneToOneField(
        ScrutinyActivity, on_delete=models.CASCADE, related_name="sample"
    )
    seed = models.CharField(max_length=64)
    algorithm_version = models.CharField(max_length=32)
    stratify_by = models.CharField(max_length=64, blank=True)
    minimum_per_stratum = models.PositiveIntegerField(default=0)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, default=0.95)
    margin = models.DecimalField(max_digits=4, decimal_places=3, default=0.09)
    proportion = models.DecimalField(max_digits=4, decimal_places=3, default=0.5)
    calculated_size = models.PositiveIntegerField()
    override_size = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField()
    allocation = models.JSONField(default=dict)
    working = models.JSONField(default=list)
    double_read_share = models.PositiveSmallIntegerField(default=10)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Sample of {self.activity}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class SampleRecord(models.Model):
    """A population record drawn into the sample or held on the reserve list."""

    class Role(models.TextChoices):
        SAMPLED = "sampled", "In the sample"
        RESERVE = "reserve", "Reserve"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REPLACED = "replaced", "Could not be read (replaced)"

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="records")
    record = models.ForeignKey(PopulationRecord, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=100, blank=True)
    rank = models.PositiveIntegerField(help_text="Position within its stratum in the draw")
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    replaced_reason = models.CharField(max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    double_read = models.BooleanField(default=False)

    class Meta:
        ordering = ["stratum", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "record"], name="sample_record_unique")
        ]
        indexes = [models.Index(fields=["sample", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.record.reference} ({self.get_role_display()})"


class Reading(TimeStampedModel):
    """One reader's reading of one sampled record with the activity's reading tool."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    class Order(models.IntegerChoices):
        FIRST = 1, "First reading"
        SECOND = 2, "Second reading"

    sample_record = models.ForeignKey(
        SampleRecord, on_delete=models.PROTECT, related_name="readings"
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="readings"
    )
    order = models.PositiveSmallIntegerField(choices=Order.choices, default=Order.FIRST)
    instrument_version = models.ForeignKey(
        "qi_framework.InstrumentVersion", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sample_record__stratum", "sample_record__rank", "order"]
        constraints = [
            models.UniqueConstraint(fields=["sample_record", "order"], name="reading_unique_order"),
            models.UniqueConstraint(
                fields=["sample_record", "reader"], name="reading_unique_reader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample_record.record.reference}: {self.get_order_display().lower()}"


class Answer(AnswerBase):
    """A reader's answer to one question; `version` increases with every change."""

    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("qi_framework.Question", on_delete=models.PROTECT)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reading", "question"], name="answer_unique")
        ]
        indexes = answer_value_indexes("insp_answer")

    def __str__(self) -> str:
        return f"{self.reading}: {self.question_id}"


class AnswerSave(models.Model):
    """A receipt for each save the browser made, so a retried save is stored once."""

    client_save_id = models.UUIDField(unique=True)
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="saves")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.client_save_id)


class ModeratedAnswer(AnswerBase):
    """The answer that counts where double readers disagreed, with the reason."""

    sample_record = models.ForeignKey(
        SampleRecord, on_delete=models.CASCADE, related_name="moderated_answers"
    )
    question = models.ForeignKey("qi_framework.Question", on_delete=models.PROTECT)
    reason = models.TextField()
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sample_record", "question"], name="moderated_answer_unique"
            )
        ]
        indexes = answer_value_indexes("insp_moderated")

    def __str__(self) -> str:
        return f"Moderated {self.sample_record}: {self.question_id}"


class Interview(TimeStampedModel):
    """A pseudonymous interview with a person on an order, against an interview instrument."""

    activity = models.ForeignKey(
        ScrutinyActivity, on_delete=models.CASCADE, related_name="interviews"
    )
    instrument_version = models.ForeignKey(
        "qi_framework.InstrumentVersion", on_delete=models.PROTECT, related_name="+"
    )
    pseudonym = models.CharField(max_length=32)
    date = models.DateField()
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["date", "pseudonym"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "pseudonym"], name="interview_unique_pseudonym"
            )
        ]

    def __str__(self) -> str:
        return self.pseudonym


class InterviewAnswer(AnswerBase):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("qi_framework.Question", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "question"], name="interview_answer_unique"
            )
        ]
        indexes = answer_value_indexes("insp_interview")

    def __str__(self) -> str:
        return f"{self.interview}: {self.question_id}"


# --- Evaluations ------------------------------------------------------------------------------

GRADE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(6)]


class GradeProposal(models.Model):
    """One inspector's proposed grade, with rationale, for one evaluated QI of an inspection."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="grade_proposals"
    )
    quality_indicator = models.ForeignKey("qi_framework.QualityIndicator", on_delete=models.PROTECT)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    grade = models.PositiveSmallIntegerField(validators=GRADE_VALIDATORS)
    rationale = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["quality_indicator__position", "proposed_by__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "quality_indicator", "proposed_by"],
                name="grade_proposal_unique",
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=6), name="grade_proposal_1_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quality_indicator.code}: {self.grade}"


class Evaluation(models.Model):
    """The team's agreed grade for one evaluated QI, recorded by the lead inspector."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="evaluations")
    quality_indicator = models.ForeignKey("qi_framework.QualityIndicator", on_delete=models.PROTECT)
    grade = models.PositiveSmallIntegerField(null=True, blank=True, validators=GRADE_VALIDATORS)
    rationale = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    areas_for_improvement = models.TextField(blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["quality_indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "quality_indicator"], name="evaluation_unique"
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | (Q(grade__gte=1) & Q(grade__lte=6)),
                name="evaluation_grade_1_to_6",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quality_indicator.code}: {self.grade or '–'}"


class EvaluationRecord(models.Model):
    """The inspection's capacity-for-improvement statement and whether its grades are locked."""

    inspection = models.OneToOneField(
        Inspection, on_delete=models.CASCADE, related_name="evaluation_record"
    )
    capacity_for_improvement = models.TextField(blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Evaluation of {self.inspection}"


class Recommendation(models.Model):
    """A recommendation or an area for improvement, tied to the QIs it concerns."""

    class Kind(models.TextChoices):
        RECOMMENDATION = "recommendation", "Recommendation"
        AREA_FOR_IMPROVEMENT = "area_for_improvement", "Area for improvement"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="recommendations"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    text = models.TextField()
    quality_indicators = models.ManyToManyField("qi_framework.QualityIndicator", related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position}"


class EvidenceNote(models.Model):
    """The inspectors' notes on the evidence for one QI of an inspection."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="evidence_notes"
    )
    quality_indicator = models.ForeignKey("qi_framework.QualityIndicator", on_delete=models.PROTECT)
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "quality_indicator"], name="evidence_note_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Notes on {self.quality_indicator.code}"


class ReportSection(models.Model):
    """One section of an inspection report's narrative, written by inspectors in the browser.

    The standard sections follow published CPO reports (DOMAIN §9.3); inspectors may add topical
    sections (key "topical", with their own heading). Figures are never typed: a section's text
    refers to computed figures, which the report inserts from the statistics.
    """

    class Key(models.TextChoices):
        INTRODUCTION = "introduction", "Introduction"
        CONDUCT = "conduct", "How we conducted this inspection"
        CONTEXT = "context", "Context"
        KEY_MESSAGES = "key_messages", "Key messages"
        OUTCOMES = "outcomes", "Achieving outcomes"
        PROCESSES = "processes", "Delivery of key processes"
        IMPACT = "impact", "Impact and experience of community payback orders"
        LEADERSHIP = "leadership", "Leadership"
        TOPICAL = "topical", "Topical section"
        AREAS_FOR_IMPROVEMENT = "areas_for_improvement", "Areas for improvement"
        CAPACITY = "capacity", "Capacity for improvement"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="report_sections"
    )
    key = models.CharField(max_length=32, choices=Key.choices)
    heading = models.CharField(max_length=300, blank=True, help_text="Topical sections only.")
    body = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "key"],
                condition=~Q(key="topical"),
                name="report_section_unique_key",
            ),
            models.CheckConstraint(
                condition=~Q(key="topical") | ~Q(heading=""),
                name="report_topical_section_has_heading",
            ),
        ]

    def __str__(self) -> str:
        return self.heading or self.get_key_display()


class VerbalFeedback(models.Model):
    """Verbal feedback given to the inspected authority at the end of fieldwork."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="verbal_feedback"
    )
    given_on = models.DateField()
    given_by = models.TextField(help_text="Who gave the feedback, by name and role.")
    received_by = models.TextField(help_text="Who received it, by role.", blank=True)
    points = models.TextField(help_text="The points made.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_on", "pk"]
        verbose_name_plural = "verbal feedback"

    def __str__(self) -> str:
        return f"Verbal feedback, {self.given_on:%d %B %Y}"


class ReportVersion(models.Model):
    """One version of an inspection report: a frozen snapshot of its content and its PDF.

    Every version is immutable once made: asking for a draft PDF makes a draft version from a
    snapshot of the report's content at that moment (DRAFT watermark); publishing makes a
    published version from a fresh snapshot, renders the final PDF and freezes its figure
    register. A published version is never changed, only superseded by a newer one with a reason.
    The PDF is a reports.Document whose subject is this version.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="report_versions"
    )
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Everything the PDF prints, as it stood when the version was made (JSON-serialisable).
    content = models.JSONField(default=dict)
    reason = models.TextField(blank=True, help_text="Why this version supersedes the last one.")
    document = models.OneToOneField(
        "reports.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_version",
    )
    figure_register = models.OneToOneField(
        "reports.FigureRegister",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_version",
    )
    sha256 = models.CharField("SHA-256 of the published PDF", max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["inspection", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "number"], name="report_version_number"),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(status="published"),
                name="report_one_published_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection} report, version {self.number} ({self.get_status_display()})"

    # --- Immutability ---------------------------------------------------------------------
    # Once taken, a version's content never changes (a draft is made empty and its content is
    # taken once, by the worker that renders it: inspections.services.report_version_prepare).
    # A published or superseded version may only gain what arrives after it is made (its PDF,
    # its frozen figure register, the PDF's SHA-256) and a published one may only become
    # superseded. On PostgreSQL a trigger (migration 0004) refuses the same from any client;
    # this guard gives the application a clear error first.

    FROZEN_FIELDS = ("inspection_id", "number", "content", "reason", "created_at")
    SET_ONCE_FIELDS = ("document_id", "figure_register_id", "sha256")

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            self._refuse_illegal_change()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored not in (None, self.Status.DRAFT):
            raise ReportVersionFrozen(REPORT_VERSION_FROZEN)
        return super().delete(*args, **kwargs)

    def _refuse_illegal_change(self) -> None:
        stored = type(self).objects.filter(pk=self.pk).first()
        if stored is None:
            return
        changed = [
            name
            for name in self.FROZEN_FIELDS
            if getattr(stored, name) != getattr(self, name)
            # A draft's content is taken once, by the worker that renders it.
            and not (name == "content" and stored.content == {})
        ]
        if stored.status != self.Status.DRAFT:
            changed += [
                name
                for name in self.SET_ONCE_FIELDS
                if getattr(stored, name) and getattr(stored, name) != getattr(self, name)
            ]
            for name in ("approved_at", "published_at"):
                if getattr(stored, name) != getattr(self, name):
                    changed.append(name)
        moves = {
            (self.Status.DRAFT, self.Status.DRAFT),
            (self.Status.PUBLISHED, self.Status.PUBLISHED),
            (self.Status.PUBLISHED, self.Status.SUPERSEDED),
            (self.Status.SUPERSEDED, self.Status.SUPERSEDED),
        }
        if (stored.status, self.status) not in moves:
            changed.append("status")
        if stored.status == self.Status.SUPERSEDED and stored.superseded_at != self.superseded_at:
            changed.append("superseded_at")
        if changed:
            raise ReportVersionFrozen(REPORT_VERSION_FROZEN, fields=changed)


REPORT_VERSION_FROZEN = (
    "A report version cannot be changed once it has been made. Make a new draft, or publish a "
    "new version with a reason."
)


class ReportVersionFrozen(Exception):
    """Raised when code tries to change what a report version froze."""

    def __init__(self, message: str, *, fields: list[str] | None = None):
        super().__init__(message if not fields else f"{message} ({', '.join(fields)})")
        self.message = message
        self.fields = fields or []


class FeedbackRequest(models.Model):
    """One sending of the feedback questionnaire to the inspected authority after publication.

    The single-use link lives in qi_framework (ResponseLink, token kept only as a hash); this row
    records who sent it, when and to how many people, so the first publication sends it once.
    Sending again makes a new row and link and cancels the previous link if it is still unused.
    """

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="feedback_requests"
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
        ordering = ["inspection", "-sent_at", "-id"]
        get_latest_by = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"Feedback questionnaire sent on {self.sent_at:%d %B %Y}"
