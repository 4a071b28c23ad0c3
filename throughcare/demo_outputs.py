"""Demo data: the 2021 throughcare review's national report text, and its documents.

Runs after the review (order 70) and its surveys (71), so the documents count everything. The
text is a short version of the findings the overview report gives for the review. Safe to run
twice: text already written is left alone, and documents are asked for once per revision (the
same data gives the same document). With in-process tasks (`make run`) the documents are made
straight away; with workers, they are queued.
"""

import logging

from django.db import transaction

from core.demo import DemoContext, register_demo_step
from reports.services import document_request
from throughcare.models import ThematicReview
from throughcare.services.outputs import (
    AREA_ANALYSIS,
    PUBLISHED_STATUSES,
    STAFF_SURVEY_SUMMARY,
    national_report_freeze,
    national_report_publish,
    national_report_request,
    report_narrative_update,
)

logger = logging.getLogger(__name__)

NARRATIVE = {
    "introduction": (
        "In March 2021 we were asked to undertake a review of throughcare with a particular "
        "focus on breach of licence and recall to custody. Our review sought to identify "
        "potential barriers to reintegration and to provide assurance that community justice "
        "social work contributions to breach and recall processes were operating as they should."
    ),
    "context": (
        "The Scottish Government established the national criminal justice programme Recover, "
        "Renew, Transform (RRT) in response to the impact of Covid-19 on the justice system. Its "
        "Recovery of Community Justice and Prevention of Offending subgroup was tasked with "
        "exploring breach of licence and recall to prison, to further understanding of recall "
        "and reduce the number of people recalled to custody, where appropriate.\n\n"
        "We undertook all activities remotely."
    ),
    "methodology": (
        "Experienced justice social work staff in each area read records alongside inspectors. "
        "People interviewed in prison were not necessarily from the four areas."
    ),
    "strengths": (
        "Community justice social work throughcare services were robust and credible. There "
        "was a coherent and consistent understanding of statutory duties under the full range "
        "of national guidance and legislation for the various throughcare licences and orders.\n\n"
        "People with lived experience of recall told us what practitioners and the records "
        "also showed: trusting, transparent and consistent relationships were key to a "
        "successful return to the community."
    ),
    "challenges": (
        "Parole oral hearings were an important and consistent challenge, affecting service "
        "delivery and staff morale. Some challenges were beyond the control of community "
        "justice social work alone: some crucial services were inaccessible until the day of "
        "release, and timely access to mental health support was a consistent barrier."
    ),
    "strengths_5.1": (
        "Staff made significant efforts to ensure a person’s basic needs were met on release, "
        "including food, money and somewhere suitable to live, working with housing colleagues."
    ),
    "challenges_5.1": (
        "Access to employability services or opportunities to use time constructively was often "
        "a gap."
    ),
    "strengths_5.2": (
        "The management of risk was a significant strength, with effective collaborative "
        "working and risk management plans of a high standard."
    ),
    "challenges_5.2": (
        "The quality of LS/CMI assessments and case management plans was variable. Timely "
        "completion was often affected by delays in sharing assessments from prison."
    ),
    "strengths_5.3": (
        "There were notable strengths in the robustness of supervision and the response to "
        "non-compliance. When risk could no longer be managed safely in the community, breach "
        "and recall processes were used rigorously."
    ),
    "challenges_5.3": (
        "Practice in statutory reviews was variable: there was scope to improve scheduling, "
        "focus and recording, and useful templates were not consistently used."
    ),
    "challenges_7.1": (
        "Staff reported a lack of access to specific throughcare training and up-to-date guidance."
    ),
    "conclusion": (
        "Ultimately, we were assured that community justice social work contributions to breach "
        "and recall processes were operating as they should. There were instances where people "
        "may have benefited from more intensive supervision or earlier intervention, but in "
        "most instances there was little that services could have done differently to reduce "
        "the likelihood of breach."
    ),
    "recommendations": (
        "Our recommendations are for national justice partners to take forward, to further "
        "improve practice."
    ),
}


def _narrative(review: ThematicReview, lead) -> None:
    """Write the report's text once; a published review's text is set directly (demo only)."""
    if review.narrative:
        return
    known = {f"strengths_{qi.code}" for qi in review.quality_indicators.all()} | {
        f"challenges_{qi.code}" for qi in review.quality_indicators.all()
    }
    text = {k: v for k, v in NARRATIVE.items() if "_" not in k or k in known}
    if review.status not in PUBLISHED_STATUSES:
        report_narrative_update(review=review, sections=text, by=lead)
    else:
        # The review step publishes the demo review before the surveys exist; its report's
        # text is demo data written in one go, as if before publication.
        ThematicReview.objects.filter(pk=review.pk).update(narrative=text)
    review.refresh_from_db()


@register_demo_step(order=72)
def demo_throughcare_outputs(context: DemoContext) -> None:
    """Write the national report's text; make the report (register frozen) and area reports."""
    from throughcare.demo import demo_review

    review = demo_review()
    if review is None:
        return
    lead = review.created_by or context.people.get("inspector2")
    with transaction.atomic():
        _narrative(review, lead)
    if review.status == ThematicReview.Status.REPORTING:
        national_report_publish(review=review, by=lead)
    else:
        document = national_report_request(review=review, by=lead)
        if review.status in PUBLISHED_STATUSES:
            national_report_freeze(document=document, by=lead)
    for area in review.areas.select_related("activity__authority"):
        for kind in (AREA_ANALYSIS, STAFF_SURVEY_SUMMARY):
            document_request(kind=kind, subject=area, by=lead)
    logger.info("Demo throughcare outputs requested for %s", review.title)
