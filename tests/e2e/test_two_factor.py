"""In Chromium: two-factor sign-in, first-time set-up and recovery codes; axe-core clean."""

import base64
import os
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from accounts.models import Role
from accounts.two_factor import recovery_codes_generate
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, enrol_totp, person, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")  # e.g. /tmp: save pages for a human to look at


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def code_from_secret(secret: str) -> str:
    """What an authenticator app shows now for the key a person typed into it."""
    key = secret.replace(" ", "")
    return f"{totp(base64.b32decode(key + '=' * (-len(key) % 8))):06d}"


def password_step(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_first_sign_in_sets_up_an_authenticator_app(
    page, live_server, reference_data, csp_violations
):
    inspector = person(Role.INSPECTOR)
    page.goto(f"{live_server.url}/accounts/sign-in/")
    assert_accessible(page)
    password_step(page, live_server, inspector)

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    qr = page.get_by_role("img", name="QR code for setting up your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the data: SVG rendered under the CSP
    assert_accessible(page)
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)
    assert_accessible(page)
    screenshot(page, "two-factor-enrol")

    page.get_by_label("Code from your authenticator app").fill("12345")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="The security code must be 6 numbers")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Code from your authenticator app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.get_by_role("list", name="Your recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    screenshot(page, "two-factor-recovery-codes")

    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    assert not csp_violations


def test_sign_in_with_password_and_security_code(page, live_server, reference_data):
    inspector = person(Role.INSPECTOR)
    enrol_totp(inspector)
    password_step(page, live_server, inspector)

    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
    field = page.get_by_label("Security code")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    assert_accessible(page)
    screenshot(page, "two-factor-security-code")

    wrong = f"{(int(totp_code(inspector)) + 1) % 1_000_000:06d}"
    field.fill(wrong)
    page.get_by_role("button", name="Continue").click()
    error = page.get_by_role("link", name=re.compile("The security code is not correct"))
    expect(error).to_be_visible()
    assert_accessible(page)
    screenshot(page, "two-factor-security-code-error")

    page.wait_for_timeout(1100)  # django-otp's throttling: one second after one wrong code
    page.get_by_label("Security code").fill(totp_code(inspector))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    assert_accessible(page)


def test_sign_in_with_a_recovery_code(page, live_server, reference_data):
    manager = person(Role.MANAGER)
    enrol_totp(manager)
    codes = recovery_codes_generate(user=manager)
    password_step(page, live_server, manager)
    page.get_by_text("I cannot use my authenticator app").click()
    page.get_by_role("link", name="Sign in with a recovery code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a recovery code")
    assert_accessible(page)
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.get_by_text("You have 9 left")).to_be_visible()


def test_sign_in_helper_passes_the_second_factor(page, live_server, reference_data):
    hmics = person(Role.HMICS_INSPECTOR)
    sign_in(page, live_server, hmics)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
