"""Demo data: the five demo inspections taken to published.

For each inspection built by inspections.demo: the agreed grades (West Dunbartonshire weak on
1.1, 5.2, 5.3 and 9.4, as published in August 2019; the others plausible, not facts), areas for
improvement, short report sections in the inspectorate's voice, the verbal feedback, and the
published report (its PDF renders when the demo's transaction commits). Publication opens each
improvement plan. Two authorities have answered the feedback questionnaire; the others are sent
it where the demo has a contact to send it to. Everything goes through the services, as a
person would; an inspection with a report version is left alone, so load_demo can run again.
"""

import datetime as dt

from accounts.models import Organisation
from core.demo import DemoContext, register_demo_step
from inspections import services
from inspections.demo import INSPECTIONS
from inspections.models import (
    EvaluationRecord,
    Inspection,
    InspectionQI,
    Recommendation,
    ReportSection,
    ReportVersion,
    VerbalFeedback,
)
from qi_framework.models import ScrutinyKind

S = Inspection.Status
FORWARD = [S.PLANNED, S.SELF_EVALUATION, S.FIELDWORK, S.EVALUATION, S.REPORTING]

# Agreed grades for 1.1, 2.1, 5.2, 5.3 and 9.4. West Dunbartonshire's 2.1 is not published
# (DOMAIN §9.3): adequate is an assumption.
GRADES = {
    "scottish-borders": {"1.1": 4, "2.1": 5, "5.2": 4, "5.3": 4, "9.4": 4},
    "west-dunbartonshire": {"1.1": 2, "2.1": 3, "5.2": 2, "5.3": 2, "9.4": 2},
    "inverclyde": {"1.1": 4, "2.1": 5, "5.2": 4, "5.3": 4, "9.4": 4},
    "dumfries-and-galloway": {"1.1": 4, "2.1": 4, "5.2": 4, "5.3": 3, "9.4": 4},
    "aberdeen-city": {"1.1": 5, "2.1": 5, "5.2": 4, "5.3": 4, "9.4": 5},
}
RATIONALE = {
    2: "Important weaknesses outweighed the strengths we found; priority action is required.",
    3: "Strengths just outweighed weaknesses, but improvement is needed.",
    4: "Important strengths clearly outweighed the areas for improvement.",
    5: "Major strengths with very few areas for improvement.",
}
STRENGTHS = {
    "1.1": "Many people made progress with housing, employment and wellbeing.",
    "2.1": "People on orders felt listened to and treated with respect.",
    "5.2": "Court reports were timely and most helpfully informed sentencing.",
    "5.3": "Unpaid work placements were well organised and benefited communities.",
    "9.4": "Senior leaders were committed to improving outcomes for people.",
}
WEAKNESSES = {
    "1.1": "Reductions in offending were not evidenced in many records.",
    "2.1": "Not everyone knew how to give feedback on their order.",
    "5.2": "Risk assessments were often late and case plans did not follow from them.",
    "5.3": "Reviews were not held regularly and managers did not oversee them.",
    "9.4": "Quality assurance and self-evaluation were not embedded.",
}
CAPACITY = (
    "{authority} has a committed workforce and leaders who recognise the areas for improvement "
    "identified. {verdict}"
)
VERDICT = {
    True: "We are not yet confident that the service can make the improvements needed without "
    "support, and we will monitor progress closely.",
    False: "We are confident that the service has the capacity to continue to improve.",
}
AREAS = {
    "west-dunbartonshire": [
        ("Risk and need assessments should be completed on time and inform case plans.", "5.2"),
        ("Reviews should be held regularly and involve the person on the order.", "5.3"),
        ("Leaders should put in place quality assurance that drives improvement.", "9.4"),
        ("The service should evidence the difference it makes to reducing offending.", "1.1"),
    ],
}
DEFAULT_AREAS = [
    ("Managers should oversee the quality of risk assessment and case planning.", "5.2"),
    ("The service should gather the views of people on orders systematically.", "2.1"),
]
SECTIONS = {
    "key_messages": "- Staff knew the people they supervised well and worked hard to engage "
    "them.\n- {key_message}\n- Partners valued the service and worked with it on housing and "
    "health.",
    "outcomes": "We found evidence of positive personal development for many people, including "
    "settled accommodation, employment and better relationships.",
    "processes": "Court reports were of a good standard. The quality of risk assessment and "
    "case planning varied and was not consistently overseen.",
    "impact": "People we spoke to described being treated fairly and with respect. Unpaid work "
    "placements gave them a chance to give something back.",
    "leadership": "Leaders set a clear direction for the service. Self-evaluation and quality "
    "assurance were at an early stage.",
}
KEY_MESSAGE = {
    True: "Important weaknesses in assessment, review and leadership of improvement need "
    "priority action.",
    False: "Processes were generally sound and leaders had a clear focus on improvement.",
}
VERBAL_POINTS = (
    "- Thanks to staff and people on orders for taking part.\n"
    "- Strengths: relationships with people on orders, unpaid work, partnership working.\n"
    "- {priority}\n"
    "- Next steps: draft report, factual accuracy check, publication."
)
FEEDBACK_ANSWERS = {
    "scrutiny_kind": "cpo_inspection",
    "respondent_role": "senior_manager",
    "organisation_rating": "5",
    "coordination_rating": "5",
    "team_rating": "6",
    "staff_support_rating": "5",
    "professional_discussion_rating": "4",
    "engagement_rating": "5",
    "went_well": "The team were clear about what they needed and flexible about dates.",
    "could_improve": "More notice of the record-reading sessions would help frontline staff.",
}
ANSWERED = {"scottish-borders", "west-dunbartonshire"}


@register_demo_step(order=50)
def demo_publication(context: DemoContext) -> None:
    """Take the five demo inspections to published, once."""
    manager = context.people["manager"]
    for spec in INSPECTIONS:
        authority = Organisation.objects.get(slug=spec.slug)
        inspection = Inspection.objects.filter(
            activity__authority=authority, activity__scrutiny_kind=ScrutinyKind.CPO_INSPECTION
        ).first()
        if inspection is None or ReportVersion.objects.filter(inspection=inspection).exists():
            continue
        lead = context.people[spec.lead]
        weak = spec.slug == "west-dunbartonshire"
        inspection = _to_reporting(inspection, lead)
        _evaluate(inspection, spec.slug, lead, weak)
        _write(inspection, spec, lead, weak)
        services.report_publish(inspection=inspection, by=manager, send_feedback=False)
        _feedback(inspection, spec.slug, lead)


def _to_reporting(inspection: Inspection, lead) -> Inspection:
    start = FORWARD.index(inspection.status) if inspection.status in FORWARD else len(FORWARD)
    for status in FORWARD[start + 1 :]:
        inspection = services.inspection_transition(inspection=inspection, to=status, by=lead)
    return inspection


def _evaluate(inspection: Inspection, slug: str, lead, weak: bool) -> None:
    if EvaluationRecord.objects.filter(inspection=inspection, locked_at__isnull=False).exists():
        return
    for iqi in InspectionQI.objects.filter(inspection=inspection, evaluated=True).select_related(
        "quality_indicator"
    ):
        code = iqi.quality_indicator.code
        grade = GRADES[slug].get(code, 4)
        services.evaluation_record(
            inspection=inspection,
            quality_indicator=iqi.quality_indicator,
            grade=grade,
            rationale=RATIONALE[grade],
            strengths=STRENGTHS.get(code, ""),
            areas_for_improvement=WEAKNESSES.get(code, "") if grade <= 4 else "",
            by=lead,
        )
    name = inspection.activity.authority.name
    services.capacity_statement_save(
        inspection=inspection, text=CAPACITY.format(authority=name, verdict=VERDICT[weak]), by=lead
    )
    services.grades_agree(inspection=inspection, by=lead)


def _write(inspection: Inspection, spec, lead, weak: bool) -> None:
    reported = {
        iqi.quality_indicator.code: iqi.quality_indicator
        for iqi in InspectionQI.objects.filter(inspection=inspection).select_related(
            "quality_indicator"
        )
    }
    if not Recommendation.objects.filter(inspection=inspection).exists():
        for text, code in AREAS.get(spec.slug, DEFAULT_AREAS):
            services.recommendation_create(
                inspection=inspection,
                kind=Recommendation.Kind.AREA_FOR_IMPROVEMENT,
                text=text,
                quality_indicators=[reported[code]],
                by=lead,
            )
    services.report_sections_ensure(inspection=inspection)
    for key, text in SECTIONS.items():
        section = ReportSection.objects.get(inspection=inspection, key=key)
        if not section.body:
            services.report_section_save(
                inspection=inspection,
                key=key,
                section=section,
                body=text.format(key_message=KEY_MESSAGE[weak]),
                by=lead,
            )
    if not VerbalFeedback.objects.filter(inspection=inspection).exists():
        priority = "Priority: " + (
            "assessment, reviews and quality assurance." if weak else "consistent oversight."
        )
        services.verbal_feedback_create(
            inspection=inspection,
            given_on=spec.feedback or spec.fieldwork_end + dt.timedelta(days=14),
            given_by=f"{lead.name}, lead inspector, and a second inspector",
            received_by="Chief social work officer, justice service manager, team leaders",
            points=VERBAL_POINTS.format(priority=priority),
            by=lead,
        )


def _feedback(inspection: Inspection, slug: str, lead) -> None:
    """Send the questionnaire without emailing its token; two authorities have answered."""
    from django.utils import timezone

    from inspections.models import FeedbackRequest
    from qi_framework import responses

    contacts = len(services.feedback_recipients(inspection))
    if slug not in ANSWERED:
        if contacts:  # the demo people include West Dunbartonshire's contact only
            services.inspection_feedback_request_send(
                inspection=inspection, by=lead, send_email=False
            )
        return
    # As the emailed link would be used: the token is known only here, never stored or printed.
    link, token = responses.feedback_link_create(subject=inspection, by=lead)
    FeedbackRequest.objects.create(
        inspection=inspection,
        link=link,
        sent_at=timezone.now(),
        sent_by=lead,
        recipients=max(contacts, 1),
    )
    form_token = responses.form_token_issue(link=link)
    responses.response_submit(raw_token=token, answers=FEEDBACK_ANSWERS, form_token=form_token)
