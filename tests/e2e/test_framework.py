"""In Chromium: sign in, browse the framework, open a QI; accessible and keyboard-only."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import PASSWORD, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_browse_the_framework_and_open_a_qi(page, live_server, framework, csp_violations):
    member = person(Role.PARTNERSHIP_MEMBER)
    page.goto(f"{live_server.url}/accounts/sign-in/")
    assert_accessible(page)
    sign_in(page, live_server, member)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="QI framework").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality indicator framework")
    assert_accessible(page)

    page.get_by_role("link", name="Leadership of strategy and direction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "9.2 Leadership of strategy and direction"
    )
    expect(page.get_by_text("5 – Very good").first).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Show the illustrations for").select_option("svse")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=3).first).to_have_text(
        "Illustrations for supported and validated self-evaluation"
    )
    assert_accessible(page)

    page.get_by_role("link", name="Quality indicator framework").first.click()
    page.get_by_role("link", name="The six-point evaluation scale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The six-point evaluation scale")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    assert_accessible(page)
    assert csp_violations == []


def _tab_to(page, pattern: str, limit: int = 150) -> None:
    """Press Tab until the focused element's text matches `pattern`."""
    regex = re.compile(pattern)
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("() => document.activeElement && document.activeElement.innerText")
        if text and regex.search(text):
            return
    raise AssertionError(f"Could not reach {pattern!r} with the Tab key")


def test_keyboard_only(page, live_server, framework):
    inspector = person(Role.AUTHORITY_CONTACT)
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("name", "username")
    page.keyboard.type(inspector.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")

    _tab_to(page, r"^QI framework$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality indicator framework")

    _tab_to(page, r"^Assessing and responding to risk and need$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "5.2 Assessing and responding to risk and need"
    )
    _tab_to(page, r"^Quality indicator framework$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quality indicator framework")
