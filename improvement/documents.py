"""The improvement plan progress report: a kind of document about a plan (reports.kinds).

Its content version is the plan's revision, which increases with every change, so each state of
the plan is one Document and one file that never changes.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from reports.kinds import DocumentKind, register


def progress_version(plan) -> int:
    """Return the plan's revision as stored (a plan object held in memory may be out of date)."""
    return type(plan).objects.values_list("revision", flat=True).get(pk=plan.pk)


def _is_are(n: int) -> str:
    return "is" if n == 1 else "are"


def elements_sentence(progress) -> str:
    """Return "One of the three elements has been addressed." and the like."""
    from reports.statistics import count_phrase

    total = progress.elements
    if total == 0:
        return "The report made no recommendations or areas for improvement."
    if progress.addressed == total:
        return (
            "The one element has been addressed."
            if total == 1
            else f"All {count_phrase(total)} elements have been addressed."
        )
    if progress.addressed == 0:
        return (
            "The one element has not been addressed yet."
            if total == 1
            else f"None of the {count_phrase(total)} elements has been addressed yet."
        )
    verb = "has" if progress.addressed == 1 else "have"
    return f"{count_phrase(progress.addressed, total).capitalize()} elements {verb} been addressed."


def actions_sentence(progress) -> str:
    """Return "The authority has set two actions: one is complete and one is overdue." etc."""
    from reports.statistics import count_phrase

    total, complete, overdue = progress.actions, progress.complete, progress.overdue
    if total == 0:
        return "The authority has not set any actions yet."
    if total == 1:
        state = "it is complete" if complete else "it is not complete yet"
        if overdue:
            state = "it is overdue"
        return f"The authority has set one action: {state}."
    if complete == total:
        state = f"all {count_phrase(total)} are complete"
    elif complete == 0:
        state = "none is complete yet"
    else:
        state = f"{count_phrase(complete)} {_is_are(complete)} complete"
    if overdue:
        state += f" and {count_phrase(overdue)} {_is_are(overdue)} overdue"
    return f"The authority has set {count_phrase(total)} actions: {state}."


def progress_title(plan) -> str:
    return f"Improvement plan progress: {plan.inspection.activity.authority.name}"


def progress_filename(document) -> str:
    plan = document.subject
    name = slugify(plan.inspection.activity.authority.name) if plan else "authority"
    return f"improvement-plan-progress-{name}-revision-{document.version}.pdf"


def progress_url(plan) -> str:
    return reverse("improvement:plan_detail", args=[plan.pk])


def progress_context(plan) -> dict[str, Any]:
    from improvement.selectors import (
        lead_inspector_of,
        link_inspector_of,
        plan_elements,
        plan_progress,
    )

    elements = plan_elements(plan=plan)
    progress = plan_progress(elements=elements)
    recommendations = [e for e in elements if e.recommendation.kind == "recommendation"]
    areas = [e for e in elements if e.recommendation.kind != "recommendation"]
    return {
        "plan": plan,
        "inspection": plan.inspection,
        "authority": plan.inspection.activity.authority,
        "groups": [
            {"heading": "Recommendations", "elements": recommendations},
            {"heading": "Areas for improvement", "elements": areas},
        ],
        "progress": progress,
        "elements_sentence": elements_sentence(progress),
        "actions_sentence": actions_sentence(progress),
        "link_inspector": link_inspector_of(plan=plan),
        "lead_inspector": lead_inspector_of(plan=plan),
        "produced_on": timezone.localdate(),
    }


IMPROVEMENT_PLAN_PROGRESS = register(
    DocumentKind(
        code="improvement_plan_progress",
        label="improvement plan progress report",
        template_name="reports/documents/improvement_plan_progress.html",
        subject_model="improvement.ImprovementPlan",
        permission="improvement.view_improvementplan",
        title=progress_title,
        build_context=progress_context,
        filename=progress_filename,
        subject_version=progress_version,
        subject_url=progress_url,
    )
)
