"""Audit receivers for signing in and out, failed sign-ins and lock-outs.

Connected in AccountsConfig.ready. A failed sign-in is recorded with the email address that was
typed (there may be no such account); the password is never read.
"""

from accounts.two_factor import two_factor_enrolled
from core.services import audit_record


def _attempted_email(credentials) -> str:
    credentials = credentials or {}
    return str(credentials.get("username") or credentials.get("email") or "")[:254]


def audit_signed_in(sender, request, user, **kwargs) -> None:
    # Only the enrolment is read here: two_factor_required would cache the person's roles on
    # `user`, which outside a request (force_login in tests) is an object the caller keeps using.
    detail = "Password accepted."
    if two_factor_enrolled(user):
        detail += " Security code needed next."
    audit_record(action="signed_in", actor=user, obj=user, request=request, detail=detail)


def audit_signed_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_record(action="signed_out", actor=user, obj=user, request=request)


def audit_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    audit_record(
        action="sign_in_failed",
        actor_label=_attempted_email(credentials),
        request=request,
        detail="Wrong email address or password, or the account is locked.",
    )


def audit_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    audit_record(
        action="sign_in_locked_out",
        actor_label=str(username or "")[:254],
        request=request,
        detail="Too many failed sign-ins: this account is locked from this address for a while.",
    )
