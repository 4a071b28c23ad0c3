from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        self._connect_audit_receivers()
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

    @staticmethod
    def _connect_audit_receivers() -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from accounts import signals

        user_logged_in.connect(signals.audit_signed_in, dispatch_uid="accounts.audit_signed_in")
        user_logged_out.connect(signals.audit_signed_out, dispatch_uid="accounts.audit_signed_out")
        user_login_failed.connect(
            signals.audit_sign_in_failed, dispatch_uid="accounts.audit_sign_in_failed"
        )
        user_locked_out.connect(signals.audit_locked_out, dispatch_uid="accounts.audit_locked_out")
