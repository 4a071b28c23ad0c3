"""Public pages, open without an account: fill in a questionnaire through a response link.

They show the link's label and the questionnaire, nothing else about the subject. The token is
in the address, so every page is sent with `Cache-Control: no-store` and `Referrer-Policy:
no-referrer`, and each address may make only so many requests in a window (settings
RESPONSE_RATE_LIMIT_*), counted in the cache under a hash of the address.

The form is exempt from Django's CSRF check: with no-referrer, browsers send `Origin: null` on
the post, which the check refuses. Nothing is lost: the view acts on no session or cookie, and
the one-time form token in the page is itself a synchroniser token that a third-party site
cannot know.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from qi_framework.instruments import questions_of
from qi_framework.models import Question
from qi_framework.responses import (
    AnswersInvalid,
    FormTokenRefused,
    LinkUnavailable,
    form_token_issue,
    response_link_open,
    response_submit,
)

YES_NO_NA_CHOICES = [("yes", "Yes"), ("no", "No"), ("na", "Not applicable")]
RATING_CHOICES = [
    ("6", "6 – excellent"),
    ("5", "5 – very good"),
    ("4", "4 – good"),
    ("3", "3 – adequate"),
    ("2", "2 – weak"),
    ("1", "1 – unsatisfactory"),
]
UNAVAILABLE_STATUS = {"not_found": 404, "used": 410, "expired": 410}
UNAVAILABLE_TITLES = {
    "not_found": "This link is not valid",
    "used": "This link has already been used",
    "expired": "This link has expired",
}


def client_address(request) -> str:
    """Return the client's address, trusting as many X-Forwarded-For hops as PROXY_COUNT."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _over_limit(request) -> bool:
    """Count this request; return True when the address is past its limit for the window."""
    window = settings.RESPONSE_RATE_LIMIT_WINDOW
    limit = (
        settings.RESPONSE_RATE_LIMIT_POSTS
        if request.method == "POST"
        else settings.RESPONSE_RATE_LIMIT_GETS
    )
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    key = f"responses:rate:{request.method}:{address}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    # With the cache down, django-redis (IGNORE_EXCEPTIONS) answers None: let the request through
    # uncounted rather than break the page or lock everyone out.
    return count is not None and count > limit


def public_page(view):
    """Open a view to everyone, with the headers and rate limit every public page needs."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if _over_limit(request):
            response = render(request, "qi_framework/response_rate_limited.html", status=429)
            response["Retry-After"] = str(settings.RESPONSE_RATE_LIMIT_WINDOW)
        else:
            response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return login_not_required(csrf_exempt(wrapper))


def _field_name(code: str) -> str:
    return f"q_{code}"


def _posted_answers(request, questions: list[Question]) -> dict:
    answers = {}
    for question in questions:
        name = _field_name(question.code)
        if question.kind == Question.Kind.MULTIPLE_CHOICE:
            answers[question.code] = request.POST.getlist(name)
        else:
            answers[question.code] = request.POST.get(name, "")
    return answers


def _choices(question: Question) -> list[tuple[str, str]]:
    if question.kind == Question.Kind.YES_NO_NA:
        return YES_NO_NA_CHOICES
    if question.kind == Question.Kind.RATING_6:
        return RATING_CHOICES
    return [(o["value"], o.get("label", o["value"])) for o in question.options]


def _sections(version, answers: dict, errors: dict) -> list[dict]:
    """Return the sections and their typed questions as the templates render them."""
    questions = [q for q in questions_of(version) if not q.is_derived]
    sections = []
    for section in version.sections.order_by("position"):
        rows = []
        for question in questions:
            if question.section_id != section.pk:
                continue
            raw = answers.get(question.code, "")
            chosen = raw if isinstance(raw, list) else [raw]
            rows.append(
                {
                    "question": question,
                    "name": _field_name(question.code),
                    "id": f"q-{question.code}",
                    "error": errors.get(question.code),
                    "choices": _choices(question),
                    "chosen": [str(v) for v in chosen],
                    "text": "" if isinstance(raw, list) else raw,
                }
            )
        if rows:
            sections.append({"section": section, "rows": rows})
    return sections


def _unavailable(request, error: LinkUnavailable):
    return render(
        request,
        "qi_framework/response_unavailable.html",
        {"title": UNAVAILABLE_TITLES[error.reason], "message": error.message},
        status=UNAVAILABLE_STATUS[error.reason],
    )


@public_page
@require_http_methods(["GET", "POST"])
def response_form(request, token: str):
    """Show a link's questionnaire (GET) and send the answers (POST)."""
    try:
        link = response_link_open(raw_token=token)
    except LinkUnavailable as error:
        return _unavailable(request, error)
    version = link.instrument_version
    answers, errors = {}, {}
    if request.method == "POST":
        answers = _posted_answers(request, [q for q in questions_of(version) if not q.is_derived])
        try:
            response_submit(
                raw_token=token, answers=answers, form_token=request.POST.get("form_token", "")
            )
        except LinkUnavailable as error:
            return _unavailable(request, error)
        except FormTokenRefused as error:
            return render(
                request,
                "qi_framework/response_refused.html",
                {"message": error.message},
                status=400,
            )
        except AnswersInvalid as error:
            errors = error.errors
        else:
            return redirect("responses:thanks")
    context = {
        "link": link,
        "sections": _sections(version, answers, errors),
        "errors": errors,
        "error_rows": [{"id": f"q-{code}", "message": message} for code, message in errors.items()],
        "form_token": request.POST.get("form_token") if errors else form_token_issue(link=link),
    }
    return render(request, "qi_framework/response_form.html", context)


@public_page
@require_http_methods(["GET"])
def response_thanks(request):
    return render(request, "qi_framework/response_thanks.html")
