"""Two-factor authentication: who needs it, enrolment, verification, recovery codes and reset.

Built on django-otp. A person proves the second factor with a time-based code from an
authenticator app (a TOTPDevice) or, if the app is lost, with one of ten single-use recovery
codes (a StaticDevice). Care Inspectorate and HMICS staff, administrators and superusers must use
it; anyone else may. Every event is written to the audit log.

Views call these functions and then `django_otp.login(request, device)` to mark the session as
verified.
"""

import base64
import math
import re
from dataclasses import dataclass
from datetime import datetime

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.selectors import user_context
from core.exceptions import ApplicationError
from core.services import audit_record

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

WRONG_CODE = "The security code is not correct. Check your authenticator app and try again."
WRONG_RECOVERY_CODE = "The recovery code is not correct, or it has already been used."
ENROL_WRONG_CODE = (
    "The code is not correct. Check the key in your authenticator app, then enter the code "
    "it shows now."
)
THROTTLED = "You have entered too many wrong codes. Wait {seconds} seconds, then try again."
ALREADY_ENROLLED = "Two-factor authentication is already set up for this account."
NOT_ENROLLED = "Two-factor authentication is not set up for this account."

_TOTP_PATTERN = re.compile(r"^\d{6}$")


# --- Selectors --------------------------------------------------------------------------------


def two_factor_required(user) -> bool:
    """Return True if the person must sign in with two factors.

    Required for anyone with an active role in the Care Inspectorate or HMICS, for
    administrators and for superusers; offered to everyone else.
    """
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    context = user_context(user)
    return context.is_scrutiny_staff or context.has_role(Role.ADMINISTRATOR)


def totp_device_of(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-id").first()


def two_factor_enrolled(user) -> bool:
    """Return True if the person has a confirmed authenticator app (one query)."""
    if user is None or not user.is_authenticated:
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_user_ids(*, user_ids) -> set[int]:
    """Return which of the given people have set up two-factor authentication (one query)."""
    return set(
        TOTPDevice.objects.filter(user_id__in=user_ids, confirmed=True).values_list(
            "user_id", flat=True
        )
    )


def is_verified(user) -> bool:
    """Return True if this session passed the second factor (False for a fresh login object)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def recovery_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_secret(device: TOTPDevice) -> str:
    """Return the device's key as base32 (what a person types into an authenticator app)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def secret_grouped(secret: str) -> str:
    """Return a base32 secret in groups of four characters, easier to read and type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_code_data_uri(device: TOTPDevice) -> str:
    """Return the otpauth:// URI as a QR code, an SVG image in a data: URI (allowed by the CSP)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgFillImage,
        box_size=10,
        border=4,
    )
    encoded = base64.b64encode(image.to_string()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


# --- Services ---------------------------------------------------------------------------------


@transaction.atomic
def totp_device_create_unconfirmed(*, user: User) -> TOTPDevice:
    """Return the person's unconfirmed authenticator device, creating it if needed.

    Reloading the set-up page keeps the same key, so a code from an app that already scanned the
    QR code still works.
    """
    if two_factor_enrolled(user):
        raise ApplicationError(ALREADY_ENROLLED)
    device = totp_device_of(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, code: str, request=None) -> TOTPDevice:
    """Confirm an authenticator app with the first code it shows; refuse a wrong code.

    A wrong code is recorded (audit entry, throttling) before the refusal is raised.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed:
            raise ApplicationError(ALREADY_ENROLLED)
        refusal = _throttle_refusal(device)
        accepted = refusal is None and device.verify_token(_digits(code))
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
            audit_record(
                action="two_factor_enrolled",
                actor=device.user,
                obj=device.user,
                request=request,
                detail="Authenticator app set up.",
            )
        else:
            audit_record(
                action="two_factor_failed",
                actor=device.user,
                obj=device.user,
                request=request,
                detail="Wrong code while setting up an authenticator app.",
            )
    if not accepted:
        raise ApplicationError(refusal or ENROL_WRONG_CODE)
    return device


@transaction.atomic
def recovery_codes_generate(*, user: User, by=None, request=None) -> list[str]:
    """Replace the person's recovery codes with ten new single-use codes and return them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(
        action="recovery_codes_generated",
        actor=by or user,
        obj=user,
        request=request,
        detail=f"{RECOVERY_CODE_COUNT} new recovery codes; earlier codes no longer work.",
    )
    return codes


@dataclass(frozen=True)
class Verification:
    device: Device
    used_recovery_code: bool
    recovery_codes_left: int | None = None


def two_factor_verify(*, user: User, code: str, request=None) -> Verification:
    """Check a security code (6 digits) or a recovery code; return the device that accepted it.

    Wrong codes slow the next attempt down exponentially (django-otp's throttling). Refusals and
    successes are audited.
    """
    digits = _digits(code)
    if _TOTP_PATTERN.match(digits):
        device = totp_device_of(user)
        candidate, wrong, what = digits, WRONG_CODE, "Wrong security code."
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        candidate, wrong, what = (
            recovery_code_normalise(code),
            WRONG_RECOVERY_CODE,
            ("Wrong recovery code."),
        )
    if device is None:
        _audit_failure(user, request, what)
        raise ApplicationError(wrong)
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        refusal = _throttle_refusal(device)
        accepted = refusal is None and device.verify_token(candidate)
        if not accepted:
            _audit_failure(user, request, "Refused: too many wrong codes." if refusal else what)
    if not accepted:
        raise ApplicationError(refusal or wrong)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        audit_record(
            action="recovery_code_used",
            actor=user,
            obj=user,
            request=request,
            detail=f"Signed in with a recovery code; {left} left.",
        )
        return Verification(device=device, used_recovery_code=True, recovery_codes_left=left)
    audit_record(action="two_factor_verified", actor=user, obj=user, request=request)
    return Verification(device=device, used_recovery_code=False)


@transaction.atomic
def two_factor_reset(*, user: User, by: User, request=None) -> None:
    """Remove the person's authenticator app and recovery codes (an administrator's action).

    Sessions verified with the removed devices stop counting as verified, so the person must set
    up two-factor authentication again before going further.
    """
    totp_count, _ = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if not totp_count:
        raise ApplicationError(NOT_ENROLLED)
    audit_record(
        action="two_factor_reset",
        actor=by,
        obj=user,
        request=request,
        detail="Authenticator app and recovery codes removed by an administrator.",
    )


def recovery_code_normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _digits(code: str) -> str:
    return re.sub(r"\s", "", code or "")


def _throttle_refusal(device) -> str | None:
    """Return the message refusing a code while django-otp's throttling delay runs, or None."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    locked_until: datetime | None = (data or {}).get("locked_until")
    seconds = 1
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return THROTTLED.format(seconds=seconds)


def _audit_failure(user, request, detail: str) -> None:
    audit_record(action="two_factor_failed", actor=user, obj=user, request=request, detail=detail)
