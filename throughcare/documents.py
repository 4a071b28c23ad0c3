"""The review's documents, kinds of document in reports.kinds (registered in apps.ready):

- `throughcare_area_analysis`: one area's file reading analysis report;
- `throughcare_staff_survey_summary`: one area's staff survey summary;
  both visible to the review team, managers and that area's own authority contacts only
  (`throughcare.view_area_outputs`);
- `throughcare_national_report`: the thematic review report (`throughcare.view_national_report`).

Revisions: a per-area report's revision is 1 plus the audited changes to that area's record
reading (analysis) or 1 plus its staff survey responses and the themes tagged on them (staff
summary); the national report's is `throughcare.services.outputs.national_report_revision`.
So new data makes the next request a new document, and the same data the same document.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from reports.kinds import DocumentKind, register
from reports.statistics import number_words
from throughcare.services.outputs import (
    AREA_ANALYSIS,
    NATIONAL_REPORT,
    STAFF_SURVEY_SUMMARY,
    national_report_revision,
    reading_events,
)


def _area_name(area) -> str:
    return area.activity.authority.name


def _area_url(area) -> str:
    return reverse("throughcare:output_area", args=[area.review_id, area.pk])


def _area_kind(
    *,
    code: str,
    label: str,
    heading: str,
    template_name: str,
    context_name: str,
    data: Callable[[Any], Any],
    subject_version: Callable[[Any], int],
) -> DocumentKind:
    """Register a per-area report, seen by `throughcare.view_area_outputs`.

    Titled "<heading>: <area>", saved as "<heading slug>-<area slug>-revision-<n>.pdf", and
    rendered with `data(area)` as `context_name` beside the area, its review and its name.
    """

    def title(area) -> str:
        return f"{heading}: {_area_name(area)}"

    def filename(document) -> str:
        area = document.subject
        name = slugify(_area_name(area)) if area else "area"
        return f"{slugify(heading)}-{name}-revision-{document.version}.pdf"

    def build_context(area) -> dict[str, Any]:
        return {
            context_name: data(area),
            "area": area,
            "review": area.review,
            "area_name": _area_name(area),
            "produced_on": timezone.localdate(),
        }

    return register(
        DocumentKind(
            code=code,
            label=label,
            template_name=template_name,
            subject_model="throughcare.ReviewArea",
            permission="throughcare.view_area_outputs",
            title=title,
            build_context=build_context,
            filename=filename,
            subject_version=subject_version,
            subject_url=_area_url,
        )
    )


# --- File reading analysis report ----------------------------------------------------------------


def area_analysis_revision(area) -> int:
    sample = getattr(area.activity, "sample", None)
    return 1 + (reading_events([sample.pk]) if sample is not None else 0)


def _area_analysis(area):
    from throughcare.selectors.outputs import area_analysis

    return area_analysis(area=area)


AREA_ANALYSIS_KIND = _area_kind(
    code=AREA_ANALYSIS,
    label="file reading analysis report",
    heading="File reading analysis",
    template_name="reports/documents/throughcare_area_analysis.html",
    context_name="analysis",
    data=_area_analysis,
    subject_version=area_analysis_revision,
)


# --- Staff survey summary ------------------------------------------------------------------------


def staff_summary_revision(area) -> int:
    from qi_framework.models import Response
    from throughcare.models import ReviewArea, ThemeTag

    responses = Response.objects.filter(
        link__subject_type=ContentType.objects.get_for_model(ReviewArea), link__subject_id=area.pk
    )
    tags = ThemeTag.objects.filter(answer__response__in=responses.values("id"))
    return 1 + responses.count() + tags.count()


def _staff_summary(area):
    from throughcare.selectors.outputs import staff_survey_summary

    return staff_survey_summary(area=area)


STAFF_SURVEY_SUMMARY_KIND = _area_kind(
    code=STAFF_SURVEY_SUMMARY,
    label="staff survey summary",
    heading="Staff survey summary",
    template_name="reports/documents/throughcare_staff_survey_summary.html",
    context_name="summary",
    data=_staff_summary,
    subject_version=staff_summary_revision,
)


# --- The national report -------------------------------------------------------------------------


def national_title(review) -> str:
    return review.title


def national_filename(document) -> str:
    review = document.subject
    name = slugify(review.title)[:80] if review else "thematic-review"
    return f"{name}-revision-{document.version}.pdf"


def national_url(review) -> str:
    return reverse("throughcare:output_national", args=[review.pk])


def band_rows() -> list[tuple[str, str]]:
    """Return each quantifier with the proportions it covers, for the report's terms."""
    from reports.statistics import quantifier_bands_current
    from reports.statistics.bands import percent_text

    rows = []
    for band in quantifier_bands_current():
        if band.lower == band.upper:
            rows.append((band.term, f"exactly {percent_text(band.lower)}"))
            continue
        lower = ("from " if band.lower_inclusive else "more than ") + percent_text(band.lower)
        upper = ("up to and including " if band.upper_inclusive else "below ") + percent_text(
            band.upper
        )
        rows.append((band.term, f"{lower}, {upper}"))
    return rows


def _phrase(text: str) -> str:
    """Return typed text to sit inside a sentence: no final full stop, first letter lower."""
    text = (text or "").strip().rstrip(".")
    if len(text) > 1 and text[1].islower():
        text = text[:1].lower() + text[1:]
    return text


def national_context(review) -> dict[str, Any]:
    from throughcare.selectors.outputs import national_report_data
    from throughcare.services.outputs import narrative_sections

    report = national_report_data(review=review)
    return {
        "report": report,
        "review": review,
        "method": report.method,
        "narrative": report.narrative,
        "headings": {key: heading for key, heading, _ in narrative_sections(review)},
        "areas": [a.name for a in report.method.areas],
        "area_count": number_words(len(report.method.areas)),
        "focus_phrase": _phrase(review.focus),
        "min_denominator": number_words(settings.STATISTICS_MIN_DENOMINATOR, words_up_to=20),
        "bands": band_rows(),
        "produced_on": timezone.localdate(),
    }


NATIONAL_REPORT_KIND = register(
    DocumentKind(
        code=NATIONAL_REPORT,
        label="thematic review report",
        template_name="reports/documents/throughcare_national_report.html",
        subject_model="throughcare.ThematicReview",
        permission="throughcare.view_national_report",
        title=national_title,
        build_context=national_context,
        filename=national_filename,
        subject_version=national_report_revision,
        subject_url=national_url,
    )
)
