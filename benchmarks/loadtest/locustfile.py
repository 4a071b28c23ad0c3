"""The load test's people, for locust (run by `python -m benchmarks.loadtest`, see there).

- 50 readers: each opens a section of one of their records and, 0.5 to 2 seconds later, saves
  one answer as the page's script does (JSON, a fresh client save ID), once every 5 seconds;
  each starts at a random moment in their first 5 seconds, so readers are not in step.
- 5 managers: each opens the dashboard once every 10 seconds.
- 2 people asking for a PDF: each asks for a draft of their inspection's report once a minute
  (so 2 PDFs a minute between them, as the issue puts it), then follows it as the versions page
  does: the page, the PDF cell polled every 2 seconds until the PDF is ready, and the download.

Everyone signs in first through the real pages: the sign-in page, the password, then the
security code their authenticator app would show (RFC 6238, computed with django_otp.oath from
the key prepare.py gave them). Throttling applies per account and address, so each person's
sign-in must succeed first time.

The app runs with production settings behind what would be a TLS-terminating proxy; on loopback
every request carries `X-Forwarded-Proto: https` as that proxy's would, and the cookie jar
(LoopbackJar) sends the `Secure` `__Host-` cookies over loopback HTTP. This file imports no Django
(locust runs under gevent): the plan comes from LOADTEST_PLAN.
"""

import base64
import itertools
import json
import os
import random
import re
import time
import uuid
from urllib.parse import urlsplit

from django_otp.oath import TOTP
from locust import HttpUser, constant_pacing, events, task
from requests.cookies import RequestsCookieJar

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())  # noqa: SIM115
POLL_SECONDS = 2  # the versions page's htmx poll (hx-trigger="every 2s")
THINK_SECONDS = (0.5, 2.0)  # between opening a record's page and the answer being saved
PDF_WAIT_SECONDS = 50  # give up following a PDF after this (counted as a failure)
CSRF_COOKIES = ("__Host-csrftoken", "csrftoken")
_CODE_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_SHOWN = re.compile(r"\?shown=(\w+)")
_DOWNLOAD = re.compile(r'href="(/documents/\d+/download/)"')

# Every request's (name, start time, ms, failed), for figures under full load only: written
# to LOADTEST_TIMINGS when locust stops, with the moments everyone had been started and had
# finished signing in.
_timings: list[tuple[str, float, float, int]] = []
_spawned_at: list[float] = []
_signed_in_at: list[float] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    _timings.append((name, time.time() - response_time / 1000, response_time, int(bool(exception))))


@events.spawning_complete.add_listener
def _all_spawned(user_count, **kwargs):
    _spawned_at.append(time.time())


@events.quitting.add_listener
def _write_timings(environment, **kwargs):
    path = os.environ.get("LOADTEST_TIMINGS")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "spawned_at": _spawned_at[0] if _spawned_at else 0,
                "signed_in_at": max(_signed_in_at, default=0),
                "signed_in": len(_signed_in_at),
                "requests": _timings,
            },
            handle,
        )


_accounts = {
    "readers": itertools.cycle(PLAN["readers"]),
    "managers": itertools.cycle(PLAN["managers"]),
    "pdf_people": itertools.cycle(PLAN["pdf_people"]),
}


def totp_code(key: str) -> str:
    """The code an authenticator app shows now for a base32 key (what a phone computes)."""
    padded = key + "=" * (-len(key) % 8)
    return f"{TOTP(base64.b32decode(padded)).token():06d}"


class LoopbackJar(RequestsCookieJar):
    """A cookie jar that sends the `Secure` cookies over loopback HTTP.

    The browser talks HTTPS to the deployment's proxy, which talks HTTP to gunicorn; here
    locust stands in for both, so the cookies the app marks `Secure` must still be sent.
    """

    def set_cookie(self, cookie, *args, **kwargs):
        cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class Person(HttpUser):
    abstract = True
    group = ""

    def on_start(self) -> None:
        self.account = next(_accounts[self.group])
        origin = "https://" + urlsplit(self.host).netloc
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": origin})
        self.client.cookies = LoopbackJar()
        self.sign_in()

    def csrf(self) -> str:
        for name in CSRF_COOKIES:
            value = self.client.cookies.get(name)
            if value:
                return value
        return ""

    def sign_in(self) -> None:
        page = self.client.get("/accounts/sign-in/", name="sign-in page")
        match = _CODE_INPUT.search(page.text)
        token = match.group(1) if match else self.csrf()
        with self.client.post(
            "/accounts/sign-in/",
            data={
                "csrfmiddlewaretoken": token,
                "username": self.account["email"],
                "password": PLAN["password"],
            },
            name="sign-in: password",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "security-code" not in response.headers.get(
                "Location", ""
            ):
                response.failure(f"password step: {response.status_code}")
                return
        code_page = self.client.get(response.headers["Location"], name="sign-in: code page")
        match = _CODE_INPUT.search(code_page.text)
        with self.client.post(
            response.headers["Location"],
            data={
                "csrfmiddlewaretoken": match.group(1) if match else self.csrf(),
                "code": totp_code(self.account["totp_key"]),
            },
            name="sign-in: security code",
            allow_redirects=False,
            catch_response=True,
        ) as verified:
            if verified.status_code != 302:
                verified.failure(f"security code step: {verified.status_code}")
        _signed_in_at.append(time.time())

    def post_json(self, url: str, body: dict, name: str):
        return self.client.post(
            url,
            data=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.csrf(),
                "X-Requested-With": "fetch",
                "Referer": self.client.headers["Origin"] + url,
            },
            name=name,
            catch_response=True,
        )


class Reader(Person):
    """Opens a record (one section) and saves one answer, every 5 seconds."""

    fixed_count = len(PLAN["readers"])
    wait_time = constant_pacing(5)
    group = "readers"

    def on_start(self) -> None:
        super().on_start()
        self.tick = 0
        self.rng = random.Random(self.account["email"])
        # People do not act in step: without this, readers who signed in in the same second
        # would open their pages at the same instant every 5 seconds, for the whole run.
        time.sleep(self.rng.uniform(0, 5))

    @task
    def read_and_save(self) -> None:
        readings = self.account["readings"]
        reading = readings[(self.tick // PLAN["sections"]) % len(readings)]
        section = 1 + self.tick % PLAN["sections"]
        self.tick += 1
        self.client.get(f"/inspections/readings/{reading}/?section={section}", name="record page")
        time.sleep(self.rng.uniform(*THINK_SECONDS))  # reads the page, then answers
        code, values = PLAN["answers"][self.tick % len(PLAN["answers"])]
        url = f"/inspections/readings/{reading}/answers/"
        body = {
            "question": code,
            "value": self.rng.choice(values),
            "based_on_version": None,
            "client_save_id": str(uuid.uuid4()),
        }
        with self.post_json(url, body, "autosave") as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            elif response.json().get("status") != "saved":
                response.failure(f"not saved: {response.text[:200]}")


class Manager(Person):
    """Opens the dashboard every 10 seconds."""

    fixed_count = len(PLAN["managers"])
    wait_time = constant_pacing(10)
    group = "managers"

    @task
    def dashboard(self) -> None:
        self.client.get("/documents/dashboard/", name="dashboard")


class PdfRequester(Person):
    """Asks for a draft PDF of their inspection's report once a minute and follows it."""

    fixed_count = len(PLAN["pdf_people"])
    wait_time = constant_pacing(60)
    group = "pdf_people"

    @task
    def ask_for_pdf(self) -> None:
        inspection = self.account["inspection"]
        versions = f"/inspections/{inspection}/report/versions/"
        with self.client.post(
            f"{versions}draft/",
            data={"csrfmiddlewaretoken": self.csrf()},
            headers={"Referer": self.client.headers["Origin"] + versions},
            name="PDF request",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "#version-" not in location:
                response.failure(f"{response.status_code} to {location!r}")
                return
        number = int(location.rsplit("#version-", 1)[1])
        page = self.client.get(versions, name="report versions page")
        shown = self._shown(page.text, number)
        started = time.monotonic()
        fragment = page.text
        while shown is not None:
            if time.monotonic() - started > PDF_WAIT_SECONDS:
                self.environment.events.request.fire(
                    request_type="GET",
                    name="PDF poll",
                    response_time=0,
                    response_length=0,
                    exception=TimeoutError(f"PDF not ready after {PDF_WAIT_SECONDS} s"),
                    context={},
                )
                return
            time.sleep(POLL_SECONDS)
            poll = self.client.get(
                f"/inspections/{inspection}/report/versions/{number}/pdf/?shown={shown}",
                headers={"HX-Request": "true"},
                name="PDF poll",
            )
            if poll.status_code == 200:
                fragment = poll.text
                shown = self._shown(fragment, number)
        download = _DOWNLOAD.search(fragment.split(f'id="version-{number}-pdf"', 1)[-1])
        if download is None:
            self.environment.events.request.fire(
                request_type="GET",
                name="PDF download",
                response_time=0,
                response_length=0,
                exception=RuntimeError("the PDF failed (no download link)"),
                context={},
            )
            return
        self.client.get(download.group(1), name="PDF download")

    @staticmethod
    def _shown(html: str, number: int) -> str | None:
        """The state the PDF cell of version `number` shows while pending, else None."""
        cell = html.split(f'id="version-{number}-pdf"', 1)
        if len(cell) < 2:
            return None
        match = _SHOWN.search(cell[1].split(">", 1)[0])
        return match.group(1) if match else None
