"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser)."""

import os

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture
def csp_violations(page):
    """Collect Content-Security-Policy violations reported in the console."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text)
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
        else None,
    )
    return violations
