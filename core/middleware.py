"""Project middleware: sign-in required by default, and the headers Django does not set."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import JsonResponse

SESSION_EXPIRED_MESSAGE = "Your session has ended. Sign in again in another tab, then retry."


def is_background_request(request) -> bool:
    """Return True for requests made by page scripts (htmx or fetch), not by navigation."""
    if request.headers.get("HX-Request") == "true":
        return True
    if request.headers.get("X-Requested-With") in {"XMLHttpRequest", "fetch"}:
        return True
    return "application/json" in request.headers.get("Accept", "")


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Send anonymous people to sign in; a background request gets a 401 with a short reason,
    so the page can keep unsaved work and ask the person to sign in again in another tab."""

    def handle_no_permission(self, request, view_func):
        if is_background_request(request):
            response = JsonResponse(
                {"error": "session_expired", "message": SESSION_EXPIRED_MESSAGE}, status=401
            )
            response["HX-Reswap"] = "none"
            return response
        return super().handle_no_permission(request, view_func)


class SecurityHeadersMiddleware:
    """Add Permissions-Policy (Django sets the other security headers itself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
