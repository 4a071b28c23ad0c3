from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = "Inspections of community payback orders"

    def ready(self) -> None:
        from accounts.assignments import AssignmentKind, register_assignment_kind
        from accounts.models import Role
        from inspections import checks, documents  # noqa: F401  (documents registers the report)

        target = "inspections.scrutinyactivity"
        for kind in [
            AssignmentKind("lead_inspector", "Lead inspector", target, frozenset({Role.INSPECTOR})),
            AssignmentKind("inspector", "Inspector", target, frozenset({Role.INSPECTOR})),
            AssignmentKind(
                "associate_assessor",
                "Associate assessor",
                target,
                frozenset(),
                checks.check_associate_assessor,
            ),
            AssignmentKind(
                "local_co_reader",
                "Local co-reader",
                target,
                frozenset(),
                checks.check_local_co_reader,
            ),
            AssignmentKind(
                "local_coordinator",
                "Local co-ordinator",
                target,
                frozenset({Role.LOCAL_COORDINATOR, Role.AUTHORITY_CONTACT}),
                checks.check_local_coordinator,
            ),
        ]:
            register_assignment_kind(kind)
