"""The national overview report: a kind of document about an OverviewReport (reports.kinds).

Its content version is the report's revision, which goes up with each edit of its text (and
when the data behind its figures has changed since its last PDF: reports.overview.services),
so one revision is one Document row and one file.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from core.exceptions import ApplicationError
from reports.kinds import DocumentKind, register

KIND = "overview_report"
PERMISSION = "reports.view_overview_report"
DATA_CHANGED = (
    "The data behind the report’s figures changed after the PDF was asked for, so it was not "
    "made. Ask for the PDF again: it will be the next revision, with the latest figures."
)

APPROACHES = (
    (
        "Inspection of community payback orders",
        "Each inspection looks at how well justice social work services in one local "
        "authority area deliver community payback orders. The area submits a self-evaluation; "
        "inspectors read a representative sample of the records of people subject to an order, "
        "interview people on orders, hold focus groups and interviews with staff, partners and "
        "leaders, give verbal feedback, and publish a report with evaluations of key quality "
        "indicators on the six-point scale.",
    ),
    (
        "Supported and validated self-evaluation",
        "A community justice partnership evaluates itself against the quality indicators, "
        "supported by the inspectorate through development sessions. The inspectorate then "
        "tests the evidence and decides whether to validate each self-evaluated grade, and sets "
        "out its findings in a validation letter.",
    ),
    (
        "Thematic review",
        "A review of one theme across several areas, such as throughcare. It reads records, "
        "surveys staff and people with experience of the service, and reports nationally with "
        "recommendations. The quality indicators are considered but not evaluated.",
    ),
)


def overview_version(report) -> int:
    return report.revision


def overview_title(report) -> str:
    return report.title


def overview_filename(document) -> str:
    report = document.subject
    name = slugify(report.title) if report else "overview-report"
    return f"{name}-revision-{document.version}.pdf"


def overview_url(report) -> str:
    return reverse("reports:overview_detail", args=[report.pk])


def _qi_model() -> list[dict]:
    from qi_framework.selectors import framework_current, framework_tree

    framework = framework_current()
    if framework is None:
        return []
    return [
        {
            "number": kq.number,
            "text": kq.text,
            "indicators": [
                {
                    "number": indicator.number,
                    "name": indicator.name,
                    "qis": [
                        {"code": qi.code, "name": qi.name}
                        for qi in indicator.quality_indicators.all()
                    ],
                }
                for indicator in kq.indicators.all()
            ],
        }
        for kq in framework_tree(framework=framework)
    ]


def _percent(value) -> str:
    return f"{float(value * 100):.4g}%"


def _terms(bands) -> list[dict]:
    from inspections.selectors.report import TERMS

    terms = [{"term": term, "meaning": meaning} for term, meaning in TERMS]
    for band in bands:
        if band.lower == band.upper:
            meaning = f"Exactly {_percent(band.lower)} of those counted."
        else:
            start = "From" if band.lower_inclusive else "More than"
            end = "up to and including" if band.upper_inclusive else "and less than"
            meaning = (
                f"{start} {_percent(band.lower)} {end} {_percent(band.upper)} of those counted."
            )
        terms.append({"term": f"“{band.term.capitalize()}”", "meaning": meaning})
    return terms


def _check_register(report, data) -> None:
    """Refuse to print figures other than those frozen in the register of this revision's
    document (built when it was asked for), so a PDF never disagrees with its register."""
    from django.contrib.contenttypes.models import ContentType

    from reports.models import RegisteredFigure

    frozen = list(
        RegisteredFigure.objects.filter(
            register__document__kind=KIND,
            register__document__subject_type=ContentType.objects.get_for_model(report),
            register__document__subject_id=report.pk,
            register__document__version=report.revision,
        )
        .order_by("position")
        .values_list("code", "numerator", "denominator", "words")
    )
    if not frozen:
        return
    now = [
        (f.code, f.numerator, f.denominator, f.words)
        for group in data.figures.values()
        for f in group
    ]
    if frozen != now:
        raise ApplicationError(DATA_CHANGED)


def overview_context(report) -> dict[str, Any]:
    """Return what the overview report prints: its text, and its figures computed now (which
    must be those registered when its PDF was asked for)."""
    from reports.overview.selectors import GRADE_LABELS, GRADES, overview_content
    from reports.overview.services import SECTIONS

    data = overview_content(start=report.period_start, end=report.period_end)
    _check_register(report, data)
    narrative = report.narrative or {}
    return {
        "report": report,
        "data": data,
        "narrative": {key: narrative.get(key, "") for key, _, _ in SECTIONS},
        "grade_headings": [f"{g} {GRADE_LABELS[g]}" for g in GRADES],
        "qi_model": _qi_model(),
        "terms": _terms(data.bands),
        "approaches": [{"name": name, "text": text} for name, text in APPROACHES],
        "produced_on": timezone.localdate(),
    }


OVERVIEW_REPORT = register(
    DocumentKind(
        code=KIND,
        label="overview report",
        template_name="reports/documents/overview_report.html",
        subject_model="reports.OverviewReport",
        permission=PERMISSION,
        title=overview_title,
        build_context=overview_context,
        filename=overview_filename,
        subject_version=overview_version,
        subject_url=overview_url,
    )
)
