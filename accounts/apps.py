from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from accounts.assignments import AssignmentKind, register_assignment_kind
        from accounts.checks import check_link_inspector
        from accounts.models import Role

        register_assignment_kind(
            AssignmentKind(
                code="link_inspector",
                label="Link inspector",
                target_model="accounts.organisation",
                roles=frozenset({Role.INSPECTOR}),
                check=check_link_inspector,
            )
        )
