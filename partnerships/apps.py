from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Supported and validated self-evaluation"

    def ready(self) -> None:
        from accounts.assignments import AssignmentKind, register_assignment_kind
        from accounts.models import Role
        from partnerships import documents  # noqa: F401  (registers the validation letter)

        register_assignment_kind(
            AssignmentKind(
                code="strategic_inspector",
                label="Strategic inspector",
                target_model="partnerships.exercise",
                roles=frozenset({Role.INSPECTOR}),
            )
        )
        register_assignment_kind(
            AssignmentKind(
                code="hmics_inspector",
                label="HMICS inspector",
                target_model="partnerships.exercise",
                roles=frozenset({Role.HMICS_INSPECTOR}),
            )
        )
