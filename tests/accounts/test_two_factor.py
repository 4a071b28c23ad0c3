"""Two-factor authentication: who needs it, enrolment, sign-in with a code or a recovery code,
throttling, the administrator reset, the demo keys, and the test-suite sign-in helpers."""

import base64
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import Membership, Role, User
from accounts.two_factor import (
    ENROL_WRONG_CODE,
    RECOVERY_CODE_COUNT,
    WRONG_CODE,
    WRONG_RECOVERY_CODE,
)
from core.demo import DemoContext
from core.exceptions import ApplicationError
from core.models import AuditEvent
from tests.factories import (
    PASSWORD,
    UserFactory,
    client_sign_in,
    enrol_totp,
    login,
    person,
    totp_code,
)

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
SIGN_IN = reverse("accounts:sign_in")
VERIFY = reverse("accounts:two_factor_verify")
RECOVERY = reverse("accounts:two_factor_recovery")
ENROL = reverse("accounts:two_factor_enrol")
RECOVERY_CODES = reverse("accounts:two_factor_recovery_codes")
HTMX = {"HX-Request": "true"}


def code_from_secret(secret: str) -> str:
    """What an authenticator app shows now for a base32 key typed into it."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key):06d}"


def actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def password_step(client, user):
    return client.post(SIGN_IN, {"username": user.email, "password": PASSWORD})


# --- Who must use two factors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "required"),
    [
        (Role.INSPECTOR, True),
        (Role.MANAGER, True),
        (Role.ADMINISTRATOR, True),
        (Role.HMICS_INSPECTOR, True),
        (Role.AUTHORITY_CONTACT, False),
        (Role.LOCAL_COORDINATOR, False),
        (Role.PARTNERSHIP_MEMBER, False),
    ],
)
def test_two_factor_is_required_for_scrutiny_staff_and_administrators(
    reference_data, role, required
):
    assert two_factor.two_factor_required(person(role)) is required


def test_two_factor_is_required_for_superusers_and_not_after_the_role_ends(reference_data):
    assert two_factor.two_factor_required(UserFactory(is_superuser=True))
    former = person(Role.INSPECTOR)
    Membership.objects.filter(user=former).update(is_active=False)
    assert not two_factor.two_factor_required(User.objects.get(pk=former.pk))


# --- Enrolment services -------------------------------------------------------------------------


def test_set_up_keeps_one_key_until_confirmed(reference_data):
    inspector = person(Role.INSPECTOR)
    first = two_factor.totp_device_create_unconfirmed(user=inspector)
    again = two_factor.totp_device_create_unconfirmed(user=inspector)
    assert first.pk == again.pk and not first.confirmed
    assert not two_factor.two_factor_enrolled(inspector)


def test_wrong_code_does_not_confirm_the_app_and_is_audited(reference_data):
    inspector = person(Role.INSPECTOR)
    device = two_factor.totp_device_create_unconfirmed(user=inspector)
    with pytest.raises(ApplicationError, match=re.escape(ENROL_WRONG_CODE)):
        two_factor.totp_device_confirm(device=device, code="000000")
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1
    assert actions(inspector) == ["two_factor_failed"]


def test_the_code_the_app_shows_confirms_it(reference_data):
    inspector = person(Role.INSPECTOR)
    device = two_factor.totp_device_create_unconfirmed(user=inspector)
    code = code_from_secret(two_factor.totp_secret(device))
    two_factor.totp_device_confirm(device=device, code=code)
    assert two_factor.two_factor_enrolled(inspector)
    assert actions(inspector) == ["two_factor_enrolled"]
    with pytest.raises(ApplicationError):
        two_factor.totp_device_create_unconfirmed(user=inspector)


def test_recovery_codes_are_ten_single_use_codes_replacing_the_old_ones(reference_data):
    inspector = person(Role.INSPECTOR)
    old = two_factor.recovery_codes_generate(user=inspector)
    new = two_factor.recovery_codes_generate(user=inspector)
    assert len(new) == len(set(new)) == RECOVERY_CODE_COUNT == 10
    assert StaticDevice.objects.filter(user=inspector).count() == 1
    assert set(StaticToken.objects.filter(device__user=inspector).values_list("token", flat=True))
    assert not set(old) & set(
        StaticToken.objects.filter(device__user=inspector).values_list("token", flat=True)
    )
    assert actions(inspector) == ["recovery_codes_generated"] * 2


# --- Verification services ----------------------------------------------------------------------


def test_a_code_is_accepted_once(reference_data, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    code = totp_code(inspector)
    result = two_factor.two_factor_verify(user=inspector, code=code)
    assert isinstance(result.device, TOTPDevice) and not result.used_recovery_code
    with pytest.raises(ApplicationError, match=re.escape(WRONG_CODE)):
        two_factor.two_factor_verify(user=inspector, code=code)  # replayed
    assert actions(inspector) == ["two_factor_verified", "two_factor_failed"]


def test_wrong_codes_are_throttled_even_before_a_right_one(reference_data):
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    wrong = f"{(int(totp_code(inspector)) + 1) % 1_000_000:06d}"
    with pytest.raises(ApplicationError, match=re.escape(WRONG_CODE)):
        two_factor.two_factor_verify(user=inspector, code=wrong)
    with pytest.raises(ApplicationError, match="too many wrong codes"):
        two_factor.two_factor_verify(user=inspector, code=totp_code(inspector))
    device = TOTPDevice.objects.get(user=inspector)
    assert device.throttling_failure_count == 1  # a refused attempt is not even checked
    # Once the wait has passed, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(seconds=2)
    )
    assert two_factor.two_factor_verify(user=inspector, code=totp_code(inspector))
    failures = AuditEvent.objects.filter(action="two_factor_failed", actor=inspector)
    assert [e.detail for e in failures.order_by("id")] == [
        "Wrong security code.",
        "Refused: too many wrong codes.",
    ]


def test_a_recovery_code_works_once(reference_data, settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    codes = two_factor.recovery_codes_generate(user=inspector)
    typed = f" {codes[3][:4].upper()}-{codes[3][4:]} "  # forgiving about case, spaces, hyphens
    result = two_factor.two_factor_verify(user=inspector, code=typed)
    assert result.used_recovery_code and result.recovery_codes_left == 9
    with pytest.raises(ApplicationError, match=re.escape(WRONG_RECOVERY_CODE)):
        two_factor.two_factor_verify(user=inspector, code=codes[3])
    assert actions(inspector)[-2:] == ["recovery_code_used", "two_factor_failed"]


def test_reset_removes_the_devices_and_is_audited(reference_data):
    admin, inspector = person(Role.ADMINISTRATOR), person(Role.INSPECTOR)
    enrol_totp(inspector)
    two_factor.recovery_codes_generate(user=inspector)
    two_factor.two_factor_reset(user=inspector, by=admin)
    assert not TOTPDevice.objects.filter(user=inspector).exists()
    assert not StaticDevice.objects.filter(user=inspector).exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert (event.actor, event.object_id) == (admin, str(inspector.pk))
    with pytest.raises(ApplicationError):
        two_factor.two_factor_reset(user=inspector, by=admin)


# --- Sign-in pages ------------------------------------------------------------------------------


def test_staff_without_an_app_must_set_it_up_before_anything_else(client, reference_data):
    inspector = person(Role.INSPECTOR)
    response = password_step(client, inspector)
    assert response.status_code == 302 and response.url.startswith(ENROL)
    home = client.get(HOME)
    assert home.status_code == 302 and home.url.startswith(ENROL)
    background = client.get(HOME, headers=HTMX)
    assert background.status_code == 401
    assert background.json()["error"] == "two_factor_enrol"
    assert "another tab" in background.json()["message"]
    assert client.get(reverse("core:health")).status_code == 200
    assert client.get(reverse("core:accessibility")).status_code == 200


def test_first_time_set_up_shows_qr_code_key_and_recovery_codes_once(client, reference_data):
    inspector = person(Role.INSPECTOR)
    password_step(client, inspector)
    page = client.get(f"{ENROL}?next=/accounts/")
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    assert 'alt="QR code for setting up your authenticator app"' in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    secret = page.context["secret"]
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)
    assert secret in html

    wrong = client.post(ENROL, {"code": "12345", "next": "/accounts/"})
    assert "The security code must be 6 numbers" in wrong.content.decode()

    done = client.post(ENROL, {"code": code_from_secret(secret), "next": "/accounts/"})
    assert done.status_code == 302 and done.url.startswith(RECOVERY_CODES)
    codes_page = client.get(done.url)
    codes = codes_page.context["codes"]
    assert len(codes) == 10
    assert all(code in codes_page.content.decode() for code in codes)
    assert 'href="/accounts/"' in codes_page.content.decode()  # continue where they were going
    assert client.get(RECOVERY_CODES).context["codes"] is None  # shown once only
    assert client.get(HOME).status_code == 200
    assert actions(inspector)[-3:] == [
        "signed_in",
        "two_factor_enrolled",
        "recovery_codes_generated",
    ]


def test_enrolled_person_enters_a_security_code_after_the_password(client, reference_data):
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    response = client.post(
        f"{SIGN_IN}?next=/accounts/",
        {"username": inspector.email, "password": PASSWORD, "next": "/accounts/"},
    )
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert client.get(HOME).url.startswith(VERIFY)
    background = client.get(HOME, headers=HTMX)
    assert background.status_code == 401 and background.json()["error"] == "two_factor_verify"

    page = client.get(response.url)
    assert "Enter your security code" in page.content.decode()
    wrong = client.post(response.url, {"code": "abc", "next": "/accounts/"})
    assert "The security code must be 6 numbers" in wrong.content.decode()
    done = client.post(response.url, {"code": totp_code(inspector), "next": "/accounts/"})
    assert done.status_code == 302 and done.url == "/accounts/"
    assert client.get(HOME).status_code == 200
    assert "signed_in" in actions(inspector) and "two_factor_verified" in actions(inspector)


def test_security_code_page_refuses_a_wrong_code_with_an_error_summary(client, reference_data):
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    password_step(client, inspector)
    wrong = f"{(int(totp_code(inspector)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and WRONG_CODE in html
    assert client.get(HOME).status_code == 302


def test_unsafe_next_address_is_ignored(client, reference_data):
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    password_step(client, inspector)
    done = client.post(VERIFY, {"code": totp_code(inspector), "next": "https://evil.example/"})
    assert done.url == HOME


def test_sign_in_with_a_recovery_code(client, reference_data):
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    codes = two_factor.recovery_codes_generate(user=inspector)
    password_step(client, inspector)
    page = client.get(RECOVERY)
    assert "Enter a recovery code" in page.content.decode()
    done = client.post(RECOVERY, {"code": codes[0]}, follow=True)
    assert done.redirect_chain[-1][0] == HOME
    assert "You have 9 left" in done.content.decode()
    assert "recovery_code_used" in actions(inspector)


def test_a_recovery_code_also_works_on_the_security_code_page(client, reference_data):
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    codes = two_factor.recovery_codes_generate(user=inspector)
    password_step(client, inspector)
    assert client.post(VERIFY, {"code": codes[5].upper()}).url == HOME
    assert client.get(HOME).status_code == 200


def test_password_alone_cannot_add_a_second_app(client, reference_data):
    """Someone who knows only the password must not replace the person's authenticator."""
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    password_step(client, inspector)
    response = client.get(ENROL)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"}).url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=inspector).count() == 1


def test_two_factor_is_offered_to_people_who_do_not_need_it(client, reference_data):
    contact = person(Role.AUTHORITY_CONTACT)
    signed_in = password_step(client, contact)
    assert signed_in.url == HOME
    account = client.get(reverse("accounts:account")).content.decode()
    assert "Two-factor authentication" in account and "Off" in account
    page = client.get(ENROL)
    assert page.status_code == 200
    client.post(ENROL, {"code": code_from_secret(page.context["secret"])})
    assert two_factor.two_factor_enrolled(contact)
    assert "unused recovery codes" in client.get(reverse("accounts:account")).content.decode()
    # Once set up, the second factor is asked for at every sign-in, whatever the role.
    client.post(reverse("accounts:sign_out"))
    assert password_step(client, contact).url.startswith(VERIFY)


def test_new_recovery_codes_from_your_account(client, reference_data):
    inspector = person(Role.INSPECTOR)
    login(client, inspector)
    old = two_factor.recovery_codes_generate(user=inspector)
    assert "10 unused recovery codes" in client.get(RECOVERY_CODES).content.decode()
    response = client.post(RECOVERY_CODES, follow=True)
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)


# --- Administrator reset ------------------------------------------------------------------------


def test_administrator_resets_a_persons_two_factor(client, reference_data):
    admin, inspector = person(Role.ADMINISTRATOR), person(Role.INSPECTOR)
    enrol_totp(inspector)
    membership = inspector.memberships.get()
    organisation_url = reverse("accounts:organisation_detail", args=["care-inspectorate"])
    reset_url = reverse("accounts:two_factor_reset", args=["care-inspectorate", membership.pk])

    inspectors_client = client.__class__()
    login(inspectors_client, inspector)
    assert inspectors_client.get(HOME).status_code == 200

    login(client, admin)
    assert f'href="{reset_url}"' in client.get(organisation_url).content.decode()
    assert "Reset two-factor authentication for" in client.get(reset_url).content.decode()
    response = client.post(reset_url, follow=True)
    assert "has been reset" in response.content.decode()
    assert not two_factor.two_factor_enrolled(inspector)
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert event.actor == admin and event.object_id == str(inspector.pk)
    assert f'href="{reset_url}"' not in client.get(organisation_url).content.decode()

    # The person's verified session no longer counts: they set up two factors again.
    assert inspectors_client.get(HOME).url.startswith(ENROL)


def test_only_administrators_can_reset_two_factor(client, reference_data):
    manager, inspector = person(Role.MANAGER), person(Role.INSPECTOR)
    enrol_totp(inspector)
    url = reverse(
        "accounts:two_factor_reset", args=["care-inspectorate", inspector.memberships.get().pk]
    )
    login(client, manager)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert two_factor.two_factor_enrolled(inspector)


# --- Demo and test helpers ----------------------------------------------------------------------


def test_demo_people_keep_the_same_key_and_get_recovery_codes(reference_data):
    from accounts.demo import DEMO_TOTP_SECRETS, demo_people, demo_two_factor

    runs = []
    for _ in range(2):
        context = DemoContext()
        demo_people(context)
        demo_two_factor(context)
        runs.append({login.email: login.notes for login in context.logins})
    admin = User.objects.get(email="admin@demo.test")
    assert (
        two_factor.totp_secret(TOTPDevice.objects.get(user=admin))
        == (DEMO_TOTP_SECRETS["administrator"])
    )
    first, second = (run["admin@demo.test"] for run in runs)
    assert first[:2] == second[:2]  # the same key and otpauth:// address on every run
    assert DEMO_TOTP_SECRETS["administrator"][:4] in first[0]
    assert first[1].strip().startswith("or open on your phone: otpauth://totp/")
    printed_codes = second[2].split(": ", 1)[1].split()
    assert len(printed_codes) == 10
    assert two_factor.two_factor_verify(user=admin, code=printed_codes[0]).used_recovery_code
    secret = first[0].split(": ", 1)[1]
    assert two_factor.two_factor_verify(user=admin, code=code_from_secret(secret))
    assert runs[0]["contact@demo.test"] == []  # not required: no second factor in the demo


def test_login_helper_passes_the_second_factor_with_a_real_device(client, reference_data):
    inspector = person(Role.INSPECTOR)
    login(client, inspector)
    assert client.get(HOME).status_code == 200
    assert TOTPDevice.objects.filter(user=inspector, confirmed=True).count() == 1


def test_client_sign_in_helper_uses_the_real_pages(client, reference_data):
    inspector = person(Role.INSPECTOR)
    response = client_sign_in(client, inspector)
    assert response.status_code == 302 and response.url == HOME
    assert client.get(HOME).status_code == 200
