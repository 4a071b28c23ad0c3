"""Helpers for browser tests: signing in, and axe-core accessibility checks."""

import json
from functools import cache
from pathlib import Path

from tests.factories import PASSWORD

AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def _axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def assert_accessible(page) -> None:
    """Run axe-core on the current page and fail with a readable list of any violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]
    assert not violations, f"axe-core violations on {page.url}:\n" + json.dumps(
        violations, indent=2
    )


def sign_in(page, live_server, user, password: str = PASSWORD, *, enrol: bool = True) -> None:
    """Sign in through the real pages: the password, then the security code if asked for.

    The code is computed from the person's authenticator key (tests.factories.totp_code), as a
    phone would; if this step's code was already used, it waits for the next 30-second step.
    With `enrol` (the default), a person who must use two factors but has no authenticator yet
    is given one directly in the database first, so journeys other than enrolment need not walk
    through set-up (tests/e2e/test_two_factor.py does).
    """
    from accounts.two_factor import two_factor_required
    from tests.factories import enrol_totp, totp_code

    if enrol and two_factor_required(type(user).objects.get(pk=user.pk)):
        enrol_totp(user)
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/sign-in/security-code/" in page.url:
        page.get_by_label("Security code").fill(totp_code(user))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
