"""Demo data: the Justice overview report 2018-2021, built from the demo inspections, the
partnerships' self-evaluations and the throughcare review.

Runs last (after every other demo step), so its figures count everything. The inspectors' text
is a short version of the seed report's own. Safe to run twice: the report is made once, and its
PDF is asked for once per revision (with in-process tasks, `make run`, it is rendered at once).
"""

import datetime as dt

from core.demo import DemoContext, register_demo_step
from reports.models import OverviewReport
from reports.overview.services import overview_create, overview_narrative_save, overview_request

TITLE = "Justice overview report 2018-2021"

NARRATIVE = {
    "introduction": (
        "This report brings together our scrutiny and assurance activity in justice social work "
        "between 2018 and 2021: inspections of community payback orders, supported and "
        "validated self-evaluation with community justice partnerships, and a thematic review "
        "of throughcare. Every figure in it is computed from the records we read, the grades "
        "we agreed and the responses we received."
    ),
    "key_messages": (
        "- Most people subject to community payback orders told us their lives had improved.\n"
        "- The quality of assessment and planning varied between areas, and too few case "
        "management plans were completed on time.\n"
        "- Partnerships had a clear sense of their strengths, and were developing the "
        "evidence they need to show the difference they make.\n"
        "- Staff supporting throughcare worked hard to avoid unnecessary recall, but systemic "
        "barriers to reintegration remain."
    ),
    "conclusions": (
        "Taken together, our work gives broad assurance that justice social work services are "
        "helping people to reduce their offending, with clear areas for improvement in "
        "assessment, planning and self-evaluation."
    ),
    "future_intentions": (
        "We will continue to work with partners to develop a model of scrutiny that supports "
        "improvement, including further supported and validated self-evaluation and a "
        "programme of inspection that follows up the areas for improvement we found."
    ),
}


@register_demo_step(order=90)
def demo_overview_report(context: DemoContext) -> None:
    manager = context.people.get("manager")
    report = OverviewReport.objects.filter(title=TITLE).first()
    if report is None:
        report = overview_create(
            title=TITLE,
            period_start=dt.date(2018, 4, 1),
            period_end=dt.date(2021, 12, 31),
            by=manager,
        )
        report = overview_narrative_save(report=report, narrative=NARRATIVE, by=manager)
    overview_request(report=report, by=manager)
