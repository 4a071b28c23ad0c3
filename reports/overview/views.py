"""Pages for the national overview report: list, start one, write its text, ask for its PDF.

The PDF's state and download are the reports pages' (reports.views), which check the kind's
permission, `reports.view_overview_report`, as these pages do.
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import FormView, ListView, TemplateView, View

from core.exceptions import ApplicationError
from core.views import ProjectPermissionMixin
from reports.models import Document, OverviewReport
from reports.overview import selectors, services
from reports.overview.forms import NarrativeForm, OverviewForm

PERMISSION = "reports.view_overview_report"
SAVED = "The report’s text has been saved."
CREATED = "The overview report has been started. Write its text, then make the PDF."


class OverviewListView(ProjectPermissionMixin, ListView):
    permission_required = PERMISSION
    template_name = "reports/overview_list.html"
    context_object_name = "reports"

    def get_queryset(self):
        return selectors.overview_list()


class OverviewCreateView(ProjectPermissionMixin, FormView):
    permission_required = PERMISSION
    template_name = "reports/overview_form.html"
    form_class = OverviewForm

    def form_valid(self, form):
        try:
            report = services.overview_create(
                title=form.cleaned_data["title"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            field = "period_end" if error.message == services.PERIOD_BACKWARDS else None
            form.add_error(field, error.message)
            return self.form_invalid(form)
        messages.success(self.request, CREATED)
        return redirect("reports:overview_detail", pk=report.pk)


class OverviewMixin(ProjectPermissionMixin):
    permission_required = PERMISSION

    def get_report(self) -> OverviewReport:
        if not hasattr(self, "_report"):
            report = selectors.overview_get(pk=self.kwargs["pk"])
            if report is None:
                raise Http404("No such overview report.")
            self._report = report
        return self._report


def _documents(report: OverviewReport):
    return Document.objects.filter(
        kind=services.KIND,
        subject_type=ContentType.objects.get_for_model(OverviewReport),
        subject_id=report.pk,
    ).order_by("-version")


class OverviewDetailView(OverviewMixin, TemplateView):
    template_name = "reports/overview_detail.html"

    def get_context_data(self, **kwargs):
        report = self.get_report()
        documents = list(_documents(report)[:5])
        latest = documents[0] if documents else None
        register = services.overview_register(document=latest) if latest else None
        narrative = report.narrative or {}
        return super().get_context_data(
            report=report,
            documents=documents,
            latest=latest,
            register=register,
            sections=[
                (key, heading, narrative.get(key, "")) for key, heading, _ in services.SECTIONS
            ],
            **kwargs,
        )


class OverviewNarrativeView(OverviewMixin, FormView):
    template_name = "reports/overview_narrative.html"
    form_class = NarrativeForm

    def get_initial(self):
        return dict(self.get_report().narrative or {})

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.get_report(), **kwargs)

    def form_valid(self, form):
        try:
            services.overview_narrative_save(
                report=self.get_report(),
                narrative=form.cleaned_data,
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, SAVED)
        return redirect("reports:overview_detail", pk=self.get_report().pk)


class OverviewRequestView(OverviewMixin, View):
    """POST: ask for the PDF of the report's current revision (and register its figures)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        try:
            document = services.overview_request(report=report, by=request.user, request=request)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("reports:overview_detail", pk=report.pk)
        return redirect("reports:document_detail", pk=document.pk)
