"""Documents (PDF) that the service renders in the background.

The Document row is the source of truth about a document; a Celery message is only a nudge to
render it. Only reports.services moves a document through its states.
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Document(models.Model):
    """One rendering of one version of a subject's content into a PDF file, by kind of document.

    The subject is the thing the document is about (for the framework booklet, a framework
    version); `version` is the revision of the subject's content that was rendered, so one
    version never becomes two rows or two files, and an edit makes the next request a new row.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=50)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)

    # Stored on the default storage under a private path; served only by the download view.
    file = models.FileField(max_length=255, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField("size in bytes", null=True, blank=True)

    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # When a render was last asked for (a message sent); the reaper asks again after a timeout.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    # Claims since the last request or retry; a claim's number tells a stale render from the
    # current one.
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "version"],
                name="document_unique_subject_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=Q(subject_type__isnull=True),
                name="document_unique_version_without_subject",
            ),
            models.CheckConstraint(
                condition=~Q(state="ready") | (~Q(file="") & ~Q(sha256="")),
                name="document_ready_has_file",
            ),
        ]
        indexes = [models.Index(fields=["state", "enqueued_at"], name="document_state_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RENDERING}


class QuantifierBand(models.Model):
    """One word for a proportion ("most", "a few") and the range of proportions it covers.

    Bands are editable data: together they must tile [0, 1] exactly, with no gap and no
    overlap. SQL checks each row; the tiling is a rule across rows, so
    `reports.statistics.quantifier_bands_replace` checks it before anything is stored.
    """

    term = models.CharField(max_length=50, unique=True)
    # How the term opens a sentence about a plural subject: "most {subject}",
    # "the majority of {subject}", "none of the {subject}".
    phrase = models.CharField(max_length=100)
    lower = models.DecimalField(max_digits=7, decimal_places=6)
    lower_inclusive = models.BooleanField()
    upper = models.DecimalField(max_digits=7, decimal_places=6)
    upper_inclusive = models.BooleanField()
    position = models.PositiveSmallIntegerField(unique=True)
    needs_confirmation = models.BooleanField(default=True)
    source = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lower__gte=0) & Q(upper__lte=1),
                name="quantifier_band_within_unit",
            ),
            models.CheckConstraint(
                condition=Q(lower__lt=models.F("upper"))
                | (Q(lower=models.F("upper")) & Q(lower_inclusive=True) & Q(upper_inclusive=True)),
                name="quantifier_band_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.term


class FigureRegister(models.Model):
    """The figures printed in one version of a document, each one explainable.

    Internal to the inspectorate. While a report is a draft its register is rebuilt with each
    draft; at publication it is frozen with the report and never changes again, so a figure
    stays explainable after record-level data is deleted under a retention policy.
    """

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    label = models.CharField(max_length=300, help_text="e.g. “Inspection report, version 2”.")
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="figure_registers"
    )
    created_at = models.DateTimeField(default=timezone.now)
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="figure_reg_subject")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class RegisteredFigure(models.Model):
    """One figure: its ID, definition, numerator, denominator, words and the records behind it."""

    register = models.ForeignKey(FigureRegister, on_delete=models.CASCADE, related_name="figures")
    code = models.CharField(max_length=40, help_text="The figure's ID within the register.")
    section = models.CharField(max_length=200, blank=True)
    definition = models.TextField()
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    words = models.TextField(help_text="The figure as printed, in words.")
    # The records behind the figure, as [{"id": …, "reference": "…"}]: pseudonymised
    # references only, copied so the register outlives the record-level data.
    records = models.JSONField(default=list, blank=True)
    records_url = models.CharField(max_length=500, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["register", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["register", "code"], name="registered_figure_code"),
            models.CheckConstraint(
                condition=Q(numerator__lte=models.F("denominator")),
                name="registered_figure_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.numerator} of {self.denominator}"


class ActivitySummary(models.Model):
    """The dashboard's pre-aggregated reading counts for one scrutiny activity (ADR 0009).

    Every change to the activity's answers, moderation, sample or readings bumps `generation`
    (reports.dashboards.summaries.summary_bump); a view recomputes the summaries whose
    `computed_generation` is behind, or whose `definition` is not that of the current measures,
    and reads the rest as they are.
    """

    activity = models.OneToOneField(
        "inspections.ScrutinyActivity", on_delete=models.CASCADE, related_name="dashboard_summary"
    )
    generation = models.PositiveBigIntegerField(default=1)
    computed_generation = models.PositiveBigIntegerField(default=0)
    definition = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "activity summaries"

    def __str__(self) -> str:
        return f"Dashboard summary of activity {self.activity_id}"

    @property
    def is_current(self) -> bool:
        return self.computed_generation >= self.generation


class SummaryCount(models.Model):
    """How many counted records of one activity gave one answer (or pair of answers) to one
    measure's question(s): `key` is a question code or a cross-tab code."""

    summary = models.ForeignKey(ActivitySummary, on_delete=models.CASCADE, related_name="counts")
    key = models.CharField(max_length=64)
    value = models.CharField(max_length=100)
    value2 = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "key", "value", "value2"], name="summary_count_unique"
            )
        ]
        indexes = [models.Index(fields=["key", "summary"], name="summary_count_key")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}{'/' + self.value2 if self.value2 else ''}: {self.count}"


class OverviewReport(models.Model):
    """The national overview of the inspectorate's justice scrutiny over a period (issue 8).

    Its figures are computed from the data when the PDF is made (reports.overview.selectors);
    `narrative` holds the inspectors' own text, section key → text. `revision` goes up with
    every edit of the text, so an edit makes the next PDF a new document.
    """

    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    narrative = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="overview_report_period_order",
            )
        ]

    def __str__(self) -> str:
        return self.title
