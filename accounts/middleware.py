"""Hold a signed-in person at the second factor until they have passed it.

Runs after core.middleware.LoginRequiredMiddleware (so only signed-in people reach it) and after
django-otp's OTPMiddleware (which tells whether this session passed the second factor).

- A person with an authenticator app who has not entered a code in this session is sent to the
  security-code page, whatever their role: signing in with the password alone is not enough once
  two-factor authentication is set up.
- A person who must use two factors (two_factor_required) and has not set it up is sent to
  set-up.
- Only the sign-in, security-code, set-up and sign-out pages, and pages open to everyone
  (login_not_required), are let through. A background request (htmx, fetch) gets a 401 with a
  short reason instead of a redirect, like an expired session, so the page keeps unsaved work.
"""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.two_factor import is_verified, two_factor_enrolled, two_factor_required
from core.middleware import is_background_request

VERIFY_MESSAGE = "Enter your security code in another tab, then retry."
ENROL_MESSAGE = "Set up two-factor authentication in another tab, then retry."

ALLOWED_URL_NAMES = frozenset(
    {
        "accounts:sign_in",
        "accounts:sign_out",
        "accounts:two_factor_verify",
        "accounts:two_factor_recovery",
        "accounts:two_factor_enrol",
    }
)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        if not getattr(view_func, "login_required", True):
            return None  # a page open to everyone (health check, accessibility statement...)
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_URL_NAMES:
            return None
        if two_factor_enrolled(user):
            return self._hold(request, "accounts:two_factor_verify", "verify", VERIFY_MESSAGE)
        if two_factor_required(user):
            return self._hold(request, "accounts:two_factor_enrol", "enrol", ENROL_MESSAGE)
        return None

    @staticmethod
    def _hold(request, url_name: str, reason: str, message: str):
        if is_background_request(request):
            response = JsonResponse(
                {"error": f"two_factor_{reason}", "message": message}, status=401
            )
            response["HX-Reswap"] = "none"
            return response
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(url_name)}?{query}")
