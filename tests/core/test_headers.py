"""Security headers on every URL pattern of the project (issue 9, "Headers on every URL").

Every URL pattern in the project's resolver is turned into a concrete path (a converter gets a
plain value of its type, so most object pages answer 404, 403, 302 or 405, which is fine: the
headers must be on every response, whatever its status) and requested once by a signed-in
administrator who is also a superuser, and once anonymously. Each request is made over HTTPS
(`secure=True`) with the HSTS settings of `config.settings.production`, so
Strict-Transport-Security is checked on every URL too.

Static files served by WhiteNoise are out of scope: WhiteNoise answers them before the view
middleware runs, and they are not pages.
"""

import importlib
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from accounts.models import Role
from tests.factories import login, person

pytestmark = pytest.mark.django_db

# A value for each converter type; a kwarg name listed in BY_NAME wins (a real slug or code
# takes the request further into the view than a made-up one).
BY_CONVERTER = {
    "IntConverter": "1",
    "SlugConverter": "no-such-thing",
    "StringConverter": "no-such-thing",
    "UUIDConverter": "00000000-0000-4000-8000-000000000001",
    "PathConverter": "1",
}
BY_NAME = {
    "slug": "care-inspectorate",
    "app_label": "accounts",
    "url": "no-such-page/",
}
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")

# The anonymous pages the public reaches without signing in (also covered by the walk below,
# listed here by name so the intent is explicit and a lost public page is noticed).
PUBLIC_PATHS = [
    "/r/no-such-token/",
    "/r/thanks/",
    "/accounts/sign-in/",
    "/accounts/password-reset/",
    "/accounts/password-reset/sent/",
    "/accounts/password-reset/complete/",
    "/accessibility/",
    "/privacy/",
    "/healthz",
]


def _route_path(pattern: RoutePattern) -> str:
    converters = pattern.converters

    def value(match: re.Match) -> str:
        name = match["name"]
        if name in BY_NAME:
            return BY_NAME[name]
        return BY_CONVERTER[type(converters[name]).__name__]

    return ROUTE_PARAMETER.sub(value, str(pattern))


def _regex_path(pattern: RegexPattern) -> str:
    text = str(pattern).lstrip("^").rstrip("$")
    return REGEX_GROUP.sub(lambda m: BY_NAME.get(m["name"], "1"), text)


def _path_of(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _route_path(pattern)
    return _regex_path(pattern)


def _walk(patterns, prefix=""):
    for entry in patterns:
        path = prefix + _path_of(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, path)
        elif isinstance(entry, URLPattern):
            yield "/" + path, entry


def _every_url() -> list:
    seen, params = set(), []
    for path, entry in _walk(get_resolver().url_patterns):
        if path in seen:  # the same concrete path from two patterns needs one request
            continue
        seen.add(path)
        params.append(pytest.param(path, entry.lookup_str, id=path))
    return params


EVERY_URL = _every_url()


@pytest.fixture(scope="module")
def hsts():
    """The HSTS settings of the production settings module, as deployed."""
    import os

    saved = {key: os.environ.get(key) for key in ("SECRET_KEY", "ALLOWED_HOSTS")}
    os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    try:
        production = importlib.import_module("config.settings.production")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
    return {
        "SECURE_HSTS_SECONDS": production.SECURE_HSTS_SECONDS,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": production.SECURE_HSTS_INCLUDE_SUBDOMAINS,
        "SECURE_HSTS_PRELOAD": production.SECURE_HSTS_PRELOAD,
    }


@pytest.fixture
def secure_settings(settings, hsts):
    for key, value in hsts.items():
        setattr(settings, key, value)
    return hsts


def assert_security_headers(response, path: str) -> None:
    where = f"{path} (status {response.status_code})"
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"no Content-Security-Policy on {where}"
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "unsafe-inline" not in csp, f"'unsafe-inline' in the policy on {where}"
    assert "unsafe-eval" not in csp, f"'unsafe-eval' in the policy on {where}"
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("form-action") == ["'self'"], where
    assert "base-uri" in directives, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    # same-origin everywhere; the public /r/<token>/ pages send no referrer at all (stricter).
    assert response.headers.get("Referrer-Policy") in {"same-origin", "no-referrer"}, where
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), where
    hsts = response.headers.get("Strict-Transport-Security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age, f"no Strict-Transport-Security on {where}"
    assert int(max_age.group(1)) >= 31536000, f"HSTS shorter than a year on {where}"
    assert "includeSubDomains" in hsts and "preload" in hsts, where


def assert_page_needs_no_inline_code(response, path: str) -> None:
    """The policy has no 'unsafe-inline', so an HTML page must not rely on inline code: every
    <script> is external or carries the nonce, and there is no <style>, style= or on...=."""
    if "text/html" not in response.headers.get("Content-Type", ""):
        return
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    for attributes in re.findall(r"<script\b([^>]*)>", html):
        assert "src=" in attributes or (nonce and f'nonce="{nonce.group(1)}"' in attributes), (
            f"inline <script> without the nonce on {path}"
        )
    assert not re.search(r"<style\b", html), f"inline <style> on {path}"
    assert not re.search(r"<[^>]+\sstyle=", html), f"inline style= attribute on {path}"
    assert not re.search(r"<[^>]+\son[a-z]+=", html), f"inline event handler on {path}"


@pytest.fixture
def administrator_client(reference_data):
    user = person(Role.ADMINISTRATOR)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    client = Client(raise_request_exception=False)
    login(client, user)
    return client


def test_the_walk_covers_the_project_urls():
    """A sanity check on the walk itself: it finds the project's pages and the admin."""
    paths = {param.values[0] for param in EVERY_URL}
    assert len(paths) > 100
    for expected in ("/", "/healthz", "/r/no-such-thing/", "/inspections/1/", "/django-admin/"):
        assert expected in paths
    for path in paths:
        resolve(path)  # every built path resolves (raises Resolver404 otherwise)


@pytest.mark.parametrize(("path", "view"), EVERY_URL)
def test_headers_for_a_signed_in_administrator(path, view, administrator_client, secure_settings):
    response = administrator_client.get(path, secure=True)
    assert response.status_code != 500, f"{path} ({view}) failed with a server error"
    assert_security_headers(response, path)
    assert_page_needs_no_inline_code(response, path)


@pytest.mark.parametrize(("path", "view"), EVERY_URL)
def test_headers_for_an_anonymous_visitor(path, view, client, reference_data, secure_settings):
    response = client.get(path, secure=True)
    assert response.status_code != 500, f"{path} ({view}) failed with a server error"
    assert_security_headers(response, path)


# Server errors on the demo walk that are known bugs in other apps, reported to the lead; an
# entry must go when the bug is fixed (the test fails while a listed URL no longer errors).
KNOWN_SERVER_ERRORS: dict[str, str] = {
    # URL → why it fails, while a fix is pending. The walk fails on any other server error,
    # and when a listed one is fixed, so the list only ever names real, current bugs.
}


def test_headers_on_every_url_with_the_demo_loaded(administrator_client, settings, hsts):
    """The same walk with load_demo's organisations, inspections, reviews and exercises in
    place, so "1" is a real object for most patterns and the pages themselves (not only their
    404s) are checked for headers and for inline code the policy would block."""
    from django.core.management import call_command

    settings.DEBUG = True  # load_demo refuses to run otherwise
    call_command("load_demo", quiet_logins=True)
    settings.DEBUG = False
    for key, value in hsts.items():
        setattr(settings, key, value)
    problems, server_errors, pages = [], set(), 0
    for param in EVERY_URL:
        path = param.values[0]
        response = administrator_client.get(path, secure=True)
        if response.status_code == 500:
            server_errors.add(path)
        pages += response.status_code == 200
        try:
            assert_security_headers(response, path)
            assert_page_needs_no_inline_code(response, path)
        except AssertionError as error:
            problems.append(str(error).splitlines()[0])
    assert not problems, "\n".join(problems)
    assert server_errors == set(KNOWN_SERVER_ERRORS), "server errors: " + ", ".join(
        sorted(server_errors ^ set(KNOWN_SERVER_ERRORS))
    )
    assert pages > 100, f"only {pages} pages answered 200: the demo walk checks too little"


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_headers_on_public_pages(path, client, reference_data, secure_settings):
    response = client.get(path, secure=True)
    assert response.status_code in {200, 404}, f"{path} is not public"
    assert_security_headers(response, path)
    assert_page_needs_no_inline_code(response, path)


def test_no_hsts_over_plain_http(client, reference_data, secure_settings):
    """HSTS is only meaningful (and only sent) over HTTPS; the rest is sent over both."""
    response = client.get("/accounts/sign-in/")
    assert "Strict-Transport-Security" not in response.headers
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_policy_with_unsafe_inline_would_be_caught(client, reference_data, settings, hsts):
    """The checker itself fails when the policy is weakened (so a pass means something)."""
    for key, value in hsts.items():
        setattr(settings, key, value)
    policy = {**settings.CONTENT_SECURITY_POLICY}
    policy["DIRECTIVES"] = {
        **policy["DIRECTIVES"],
        "style-src": ["'self'", "'unsafe-inline'"],
    }
    settings.CONTENT_SECURITY_POLICY = policy
    response = client.get("/accounts/sign-in/", secure=True)
    with pytest.raises(AssertionError, match="unsafe-inline"):
        assert_security_headers(response, "/accounts/sign-in/")


@pytest.mark.parametrize(
    "body",
    [
        '<p style="color: red">Hi</p>',
        "<style>p { color: red }</style>",
        "<script>alert(1)</script>",
        '<button onclick="go()">Go</button>',
    ],
)
def test_inline_code_on_a_page_would_be_caught(body):
    from django.http import HttpResponse

    response = HttpResponse(f"<html><body>{body}</body></html>")
    response["Content-Security-Policy"] = "script-src 'self' 'nonce-abc'"
    with pytest.raises(AssertionError, match="inline"):
        assert_page_needs_no_inline_code(response, "/example/")
