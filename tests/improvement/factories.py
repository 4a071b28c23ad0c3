"""Build a published inspection with recommendations, its plan and the people around it."""

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation, Role, User
from accounts.services import assignment_create
from improvement import services
from improvement.models import ImprovementPlan, PlanElement
from inspections.models import Inspection, Recommendation
from tests.factories import person
from tests.inspections.factories import make_inspection

RECOMMENDATIONS = [
    ("recommendation", "Ensure that every LS/CMI assessment is completed within 20 working days."),
    ("recommendation", "Improve the quality of case management plans."),
    ("area_for_improvement", "Review the supervision of staff managing risk of serious harm."),
]


def make_published(authority: str = "west-dunbartonshire", *, lead=None) -> Inspection:
    """An inspection of `authority` with two recommendations and one area for improvement,
    published (set directly, as the publication service belongs to another feature)."""
    inspection = make_inspection(authority, lead=lead)
    qi = inspection.qis.first().quality_indicator
    positions: dict[str, int] = {}
    for kind, text in RECOMMENDATIONS:
        positions[kind] = positions.get(kind, 0) + 1
        recommendation = Recommendation.objects.create(
            inspection=inspection, kind=kind, text=text, position=positions[kind]
        )
        recommendation.quality_indicators.set([qi])
    inspection.status = Inspection.Status.PUBLISHED
    inspection.save(update_fields=["status"])
    return inspection


def link_inspector_for(authority: str, **kwargs) -> User:
    inspector = person(Role.INSPECTOR, **kwargs)
    assignment_create(
        user=inspector, kind="link_inspector", target=Organisation.objects.get(slug=authority)
    )
    inspector.refresh_from_db()
    return inspector


@dataclass
class PlanSetup:
    plan: ImprovementPlan
    lead: User
    contact: User
    coordinator: User
    link: User
    manager: User

    @property
    def inspection(self) -> Inspection:
        return Inspection.objects.get(pk=self.plan.inspection_id)

    def elements(self) -> list[PlanElement]:
        return list(self.plan.elements.select_related("recommendation", "plan"))

    def refresh(self) -> ImprovementPlan:
        self.plan.refresh_from_db()
        return self.plan


def make_plan(authority: str = "west-dunbartonshire") -> PlanSetup:
    inspection = make_published(authority)
    lead = inspection.lead
    plan = services.improvement_plan_open(inspection=inspection, by=person(Role.MANAGER))
    return PlanSetup(
        plan=plan,
        lead=lead,
        contact=person(Role.AUTHORITY_CONTACT, authority),
        coordinator=person(Role.LOCAL_COORDINATOR, authority),
        link=link_inspector_for(authority),
        manager=person(Role.MANAGER),
    )


def add_action(setup: PlanSetup, element: PlanElement, *, due: dt.date, **kwargs):
    values = {
        "description": "Audit every LS/CMI assessment monthly and report to the service manager.",
        "owner_name": "Morag Service Manager",
        "owner_email": "morag.manager@council.example",
        "due_date": due,
        **kwargs,
    }
    return services.action_create(element=element, by=setup.contact, **values)


def pdf_upload(name: str = "audit-report.pdf") -> SimpleUploadedFile:
    from tests.core.sample_files import pdf

    return SimpleUploadedFile(name, pdf(), content_type="application/pdf")
