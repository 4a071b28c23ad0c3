"""Reads for the dashboard: who sees which pieces of work, under which filters.

Scope: managers and administrators see every inspection; an inspector sees the inspections
whose team they are on (lead, inspector or associate assessor); anyone else sees nothing
(and the permission `reports.view_dashboard` keeps them off the page). Every section reads only
the activities of `DashboardScope.inspections`, so filters and scope apply everywhere alike.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.db.models.functions import Coalesce, ExtractYear

from accounts.models import Organisation, Role
from accounts.selectors import user_context
from inspections.models import Inspection, ScrutinyActivity
from inspections.rules import INSPECTION_TEAM

__all__ = [
    "DashboardFilters",
    "DashboardScope",
    "dashboard_filter_choices",
    "dashboard_inspections_visible_to",
    "dashboard_scope",
    "dashboard_sees_everything",
]


# What the sections read of each inspection (a national scope has hundreds).
INSPECTION_FIELDS = (
    "title",
    "status",
    "activity_id",
    "fieldwork_start",
    "fieldwork_end",
    "period_end",
    "self_evaluation_due",
    "target_publication",
    "activity__authority_id",
    "activity__authority__name",
)


@dataclass(frozen=True)
class DashboardFilters:
    """What the person asked for: a period of years, one authority, one kind of scrutiny."""

    year_from: int | None = None
    year_to: int | None = None
    authority_id: int | None = None
    kind: str = ""
    qi: str = ""  # the QI the grades heat map shows

    def as_query(self, **overrides) -> dict[str, str]:
        """Return the filters as GET parameters (for links and downloads)."""
        values = {
            "year_from": self.year_from,
            "year_to": self.year_to,
            "authority": self.authority_id,
            "kind": self.kind,
            "qi": self.qi,
        }
        values.update(overrides)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def dashboard_sees_everything(*, user) -> bool:
    """True for managers, administrators and superusers, whose dashboard covers all work."""
    context = user_context(user)
    return bool(
        context.user_id is not None
        and (context.has_role(Role.MANAGER, Role.ADMINISTRATOR) or user.is_superuser)
    )


def dashboard_inspections_visible_to(*, user) -> QuerySet[Inspection]:
    """Return the inspections whose figures the person may see on the dashboard."""
    qs = Inspection.objects.select_related("activity__authority").annotate(
        dashboard_year=ExtractYear(Coalesce("fieldwork_start", "period_end"))
    )
    context = user_context(user)
    if context.user_id is None:
        return qs.none()
    if dashboard_sees_everything(user=user):
        return qs
    if not context.has_role(Role.INSPECTOR):
        return qs.none()
    activity_type = ContentType.objects.get_for_model(ScrutinyActivity).id
    activity_ids = {
        target_id
        for kind, target_type, target_id in context.assignments
        if target_type == activity_type and kind in INSPECTION_TEAM
    }
    return qs.filter(activity_id__in=activity_ids)


@dataclass
class DashboardScope:
    """The pieces of work a dashboard shows: visible to the person and within the filters."""

    user: object
    filters: DashboardFilters
    inspections: list[Inspection]
    today: dt.date = field(default_factory=dt.date.today)
    cache: dict = field(default_factory=dict)  # for sections: things worked out once

    @cached_property
    def activity_ids(self) -> list[int]:
        return [i.activity_id for i in self.inspections]

    @cached_property
    def by_activity(self) -> dict[int, Inspection]:
        return {i.activity_id: i for i in self.inspections}

    @cached_property
    def authorities(self) -> list[tuple[int, str]]:
        """(id, name) of the authorities in scope, by name."""
        found = {i.activity.authority_id: i.activity.authority.name for i in self.inspections}
        return sorted(found.items(), key=lambda item: item[1])

    def covers(self, kinds: frozenset[str]) -> bool:
        return not self.filters.kind or self.filters.kind in kinds


def dashboard_filter_choices(*, user) -> tuple[list[int], list[tuple[int, str]]]:
    """Return the years of the inspections the person may see, and every local authority
    (reference data: choosing one the person has no work in shows nothing, not an error)."""
    years = sorted(
        {
            year
            for year in dashboard_inspections_visible_to(user=user)
            .values_list("dashboard_year", flat=True)
            .distinct()
            if year
        }
    )
    authorities = list(
        Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY)
        .order_by("name")
        .values_list("pk", "name")
    )
    return years, authorities


def dashboard_scope(*, user, filters: DashboardFilters) -> DashboardScope:
    qs = dashboard_inspections_visible_to(user=user)
    if filters.year_from:
        qs = qs.filter(dashboard_year__gte=filters.year_from)
    if filters.year_to:
        qs = qs.filter(dashboard_year__lte=filters.year_to)
    if filters.authority_id:
        qs = qs.filter(activity__authority_id=filters.authority_id)
    if filters.kind:
        qs = qs.filter(activity__scrutiny_kind=filters.kind)
    inspections = list(
        qs.only(*INSPECTION_FIELDS).order_by("activity__authority__name", "dashboard_year", "pk")
    )
    return DashboardScope(user=user, filters=filters, inspections=inspections)
