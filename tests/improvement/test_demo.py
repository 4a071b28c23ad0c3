"""The demo step: plans in progress for published demo inspections only, safe to run twice."""

import pytest
from django.utils import timezone

from accounts.models import Role
from core.demo import DemoContext
from improvement.demo import demo_improvement_plans
from improvement.models import ImprovementAction, ImprovementPlan, PlanElement
from inspections.models import Inspection
from tests.factories import person
from tests.improvement.factories import make_published
from tests.inspections.factories import make_inspection

pytestmark = pytest.mark.django_db


def test_demo_plans_for_published_inspections_only_and_twice_is_once(reference_data):
    published = make_published("scottish-borders")
    reporting = make_inspection("inverclyde")
    reporting.status = Inspection.Status.REPORTING
    reporting.save()
    context = DemoContext(
        people={"manager": person(Role.MANAGER), "inspector2": person(Role.INSPECTOR)}
    )
    demo_improvement_plans(context)
    plan = ImprovementPlan.objects.get()
    assert plan.inspection_id == published.pk
    published.refresh_from_db()
    reporting.refresh_from_db()
    assert published.status == Inspection.Status.IMPROVEMENT
    assert reporting.status == Inspection.Status.REPORTING
    actions = ImprovementAction.objects.filter(element__plan=plan)
    assert actions.count() == 3
    today = timezone.localdate()
    assert actions.exclude(status="complete").filter(due_date__lt=today).exists()  # overdue
    assert PlanElement.objects.filter(plan=plan, status="addressed").count() == 1
    assert plan.status == ImprovementPlan.Status.OPEN
    revision = ImprovementPlan.objects.get().revision

    demo_improvement_plans(context)
    assert ImprovementPlan.objects.count() == 1
    assert actions.count() == 3
    assert ImprovementPlan.objects.get().revision == revision


def test_demo_does_nothing_without_published_inspections(reference_data):
    make_inspection("aberdeen-city")
    demo_improvement_plans(DemoContext(people={"manager": person(Role.MANAGER)}))
    assert not ImprovementPlan.objects.exists()
