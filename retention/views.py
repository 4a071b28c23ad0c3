"""Managers' pages for the retention policy (its runs and their reports), and the notice shown
instead of a page whose record-level data was deleted."""

from django.conf import settings
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.views.generic import DetailView, ListView

from core.views import ProjectPermissionMixin
from retention.selectors import (
    COUNT_KINDS,
    record_data_notice,
    retention_due,
    retention_runs,
    review_record_data_notice,
)

VIEW = "retention.view_runs"


class RetentionRunListView(ProjectPermissionMixin, ListView):
    permission_required = VIEW
    template_name = "retention/run_list.html"
    context_object_name = "runs"
    paginate_by = 50

    def get_queryset(self):
        return retention_runs()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            due=retention_due(),
            retention_days=settings.RECORD_RETENTION_DAYS,
            notice_days=settings.RETENTION_NOTICE_DAYS,
            **kwargs,
        )


class RetentionRunDetailView(ProjectPermissionMixin, DetailView):
    permission_required = VIEW
    template_name = "retention/run_detail.html"
    context_object_name = "run"

    def get_queryset(self):
        return retention_runs()

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except Http404:
            raise Http404("No such retention run.") from None

    def get_context_data(self, **kwargs):
        return super().get_context_data(kinds=COUNT_KINDS, **kwargs)


def record_data_deleted_response(request, *, inspection=None, review=None):
    """Return the retention notice page if the inspection's (or any of the review's areas')
    record-level data was deleted under the retention policy, else None."""
    if inspection is not None:
        notice = record_data_notice(activity=inspection.activity)
    elif review is not None:
        notice = review_record_data_notice(review=review)
    else:
        notice = None
    if notice is None:
        return None
    return TemplateResponse(
        request,
        "retention/record_data_deleted.html",
        {"notice": notice, "inspection": inspection, "review": review},
    )


class RecordDataDeletedMixin:
    """For a page showing an inspection's or a review's record-level data: once that data is
    deleted under the retention policy, show the notice (with a link to the frozen figure
    register) instead of an empty list or a 404. The page's permission check runs first."""

    def get(self, request, *args, **kwargs):
        inspection = getattr(self, "inspection", None)
        if inspection is None and hasattr(self, "get_inspection"):
            inspection = self.get_inspection()
        review = self.get_review() if inspection is None and hasattr(self, "get_review") else None
        response = record_data_deleted_response(request, inspection=inspection, review=review)
        if response is not None:
            return response
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path("", RetentionRunListView.as_view(), name="run_list"),
    path("runs/<int:pk>/", RetentionRunDetailView.as_view(), name="run_detail"),
]
