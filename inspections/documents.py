"""The inspection report: a kind of document about a report version (reports.kinds).

A ReportVersion is an immutable snapshot of the report (`content`, made by
inspections.selectors.report.report_snapshot), so its document is always version 1 and is built
from `version.content` alone, never from live data: a published PDF never changes. A draft
version prints "DRAFT" on every page.
"""

from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.text import slugify

from reports.kinds import DocumentKind, register

TITLE = "Inspection of justice social work services: {authority}"


def _authority(version) -> str:
    authority = (version.content or {}).get("inspection", {}).get("authority")
    return authority or version.inspection.activity.authority.name


def _is_draft(version) -> bool:
    return version.status != "published" and not version.published_at


def report_version_number(version) -> int:
    """A version never changes, so it has one document."""
    return 1


def report_title(version) -> str:
    title = TITLE.format(authority=_authority(version))
    return f"{title} (DRAFT)" if _is_draft(version) else title


def report_filename(document) -> str:
    version = document.subject
    if version is None:
        return "inspection-report.pdf"
    suffix = "-draft" if _is_draft(version) else ""
    return f"inspection-report-{slugify(_authority(version))}-version-{version.number}{suffix}.pdf"


def report_url(version) -> str:
    return reverse("inspections:report_detail", args=[version.inspection_id])


def _dates(data: dict) -> dict:
    return {key: parse_date(value) if value else None for key, value in data.items()}


WATERMARK = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600" '
    'font-family="Noto Sans, sans-serif"><text x="300" y="340" font-size="150" font-weight="bold" '
    'text-anchor="middle" fill="#d4351c" fill-opacity="0.13" transform="rotate(-45 300 300)">'
    "DRAFT</text></svg>"
)


def report_context(version) -> dict[str, Any]:
    """Return what the report prints, from the version's frozen content only."""
    from inspections.report_charts import evaluations_chart, rating_chart
    from reports.figures import scale_figure, svg_data_uri

    if not version.content:
        from inspections.services.report_versions import report_version_prepare

        version = report_version_prepare(version=version)
    content = version.content or {}
    inspection = content.get("inspection", {})
    figures = content.get("figures", {})
    scale = content.get("scale", [])
    evaluations = content.get("evaluations", [])
    sections = []
    for number, item in enumerate(content.get("sections", []), start=1):
        charts = []
        for code in item.get("qis", []):
            rows = content.get("rating_distributions", {}).get(code) or []
            chart = rating_chart(code, rows, scale)
            if chart is not None:
                charts.append({"code": code, "figure": chart, "rows": rows})
        sections.append(
            {
                **item,
                "number": number,
                "anchor": f"s{number}",
                "key_figure_rows": [
                    figures[c] for c in item.get("key_figures", []) if c in figures
                ],
                "charts": charts,
                "evaluations": [e for e in evaluations if e["code"] in item.get("qis", [])],
            }
        )
    dates = _dates(
        {
            k: v
            for k, v in inspection.items()
            if k.endswith(("_start", "_end", "_date", "publication"))
        }
    )
    return {
        "report": content,
        "version": version,
        "is_draft": _is_draft(version),
        "watermark": svg_data_uri(WATERMARK),
        "authority": _authority(version),
        "inspection_title": inspection.get("title", ""),
        "dates": dates,
        "sections": sections,
        "evaluations_number": len(sections) + 1,
        "figures": figures,
        "evaluations_chart": evaluations_chart(content.get("evaluations", []), scale),
        "scale_figure": scale_figure([SimpleNamespace(**level) for level in scale])
        if scale
        else None,
    }


INSPECTION_REPORT = register(
    DocumentKind(
        code="inspection_report",
        label="inspection report",
        template_name="reports/documents/inspection_report.html",
        subject_model="inspections.ReportVersion",
        permission="inspections.view_report_version",
        title=report_title,
        build_context=report_context,
        filename=report_filename,
        subject_version=report_version_number,
        subject_url=report_url,
    )
)
