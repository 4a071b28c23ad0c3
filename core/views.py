"""Pages with no domain: home, static information pages, the audit log and error pages."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import ListView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from accounts.selectors import assignments_of, user_context
from core.forms import AuditFilterForm
from core.middleware import SESSION_EXPIRED_MESSAGE, is_background_request
from core.selectors import audit_event_list
from core.services import audit_record

logger = logging.getLogger(__name__)


class ProjectPermissionMixin(PermissionRequiredMixin):
    """rules' permission check, answering a signed-in person with 403 rather than a redirect."""

    raise_exception = True


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["memberships"] = user.memberships.filter(is_active=True).select_related(
            "organisation"
        )
        context["assignments"] = assignments_of(user=user)
        context["is_scrutiny_staff"] = user_context(user).is_scrutiny_staff
        return context


@method_decorator(login_not_required, name="dispatch")
class AccessibilityView(TemplateView):
    template_name = "core/accessibility.html"


@method_decorator(login_not_required, name="dispatch")
class PrivacyView(TemplateView):
    template_name = "core/privacy.html"


class AuditEventListView(ProjectPermissionMixin, ListView):
    permission_required = "core.view_audit_log"
    template_name = "core/auditevent_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.form = AuditFilterForm(self.request.GET or None)
        filters = self.form.cleaned_data if self.form.is_valid() else {}
        return audit_event_list(**filters)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


@login_not_required
@never_cache
def health(request):
    """Answer 200 when the database answers; used by load balancers and compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _error_response(request, template: str, status: int, message: str):
    if is_background_request(request):
        return JsonResponse({"error": status, "message": message}, status=status)
    return render(request, template, status=status)


@login_not_required
def bad_request(request, exception=None):
    return _error_response(request, "400.html", 400, "The request could not be understood.")


@login_not_required
def permission_denied(request, exception=None):
    if request.user.is_authenticated:
        audit_record(
            action="permission_denied",
            actor=request.user,
            request=request,
            detail=f"{request.method} {request.path}"[:500],
        )
    return _error_response(request, "403.html", 403, "You do not have permission to do that.")


@login_not_required
def page_not_found(request, exception=None):
    return _error_response(request, "404.html", 404, "Page not found.")


@login_not_required
def server_error(request):
    if is_background_request(request):
        return JsonResponse({"error": 500, "message": "Sorry, there is a problem."}, status=500)
    return render(request, "500.html", status=500)


__all__ = ["PermissionDenied", "SESSION_EXPIRED_MESSAGE"]
