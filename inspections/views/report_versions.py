"""Views for the report's versions and publication, the feedback questionnaire and verbal
feedback.

Each view finds the inspection among those the person may see (anyone else gets a 404), then
checks the permission for what it does. The versions a person sees come from a scoped selector:
the inspected authority's contacts see published and superseded versions only.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from core.exceptions import ApplicationError
from core.forms import add_service_errors
from core.views import ProjectPermissionMixin
from inspections.forms.report_versions import FeedbackSendForm, PublishForm, VerbalFeedbackForm
from inspections.models import Inspection, ReportVersion, VerbalFeedback
from inspections.selectors import report_versions as selectors
from inspections.services import report_versions as services
from inspections.views.common import inspection_or_404

VIEW_VERSIONS = "inspections.view_report_versions"
MAKE_DRAFT = "inspections.make_report_draft"
PUBLISH = "inspections.publish_inspection"
SEND_FEEDBACK = "inspections.send_feedback_request"
VIEW_VERBAL = "inspections.view_verbal_feedback"
RECORD_VERBAL = "inspections.record_verbal_feedback"

STATE_TAG_COLOURS = {"queued": "grey", "rendering": "blue", "ready": "green", "failed": "red"}
STATUS_TAG_COLOURS = {"draft": "yellow", "published": "green", "superseded": "grey"}


class InspectionMixin(ProjectPermissionMixin):
    def get_inspection(self) -> Inspection:
        if not hasattr(self, "_inspection"):
            self._inspection = inspection_or_404(self.request.user, self.kwargs["pk"])
        return self._inspection

    def get_permission_object(self):
        return self.get_inspection()

    def versions_url(self) -> str:
        return reverse("inspections:report_version_list", args=[self.get_inspection().pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(inspection=self.get_inspection(), **kwargs)


def _version_row(version: ReportVersion, user) -> ReportVersion:
    """Add what the versions table shows about a version's PDF for this person."""
    document = version.document
    version.state_colour = STATE_TAG_COLOURS.get(document.state, "grey") if document else "grey"
    version.status_colour = STATUS_TAG_COLOURS[version.status]
    version.may_download = bool(
        document and document.state == "ready" and user.has_perm("reports.view_document", document)
    )
    return version


# --- Versions and publication ------------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class ReportVersionListView(InspectionMixin, TemplateView):
    permission_required = VIEW_VERSIONS
    template_name = "inspections/report_version_list.html"

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        user = self.request.user
        services.report_version_hashes_sync(inspection=inspection)
        versions = [
            _version_row(v, user)
            for v in selectors.report_versions_visible(inspection=inspection, user=user)
        ]
        published = next((v for v in versions if v.status == ReportVersion.Status.PUBLISHED), None)
        may_publish = user.has_perm(PUBLISH, inspection)
        return super().get_context_data(
            versions=versions,
            published=published,
            may_draft=user.has_perm(MAKE_DRAFT, inspection),
            may_publish=may_publish,
            publish_refusal=services.report_publish_refusal(inspection=inspection, user=user)
            if may_publish
            else None,
            may_send_feedback=user.has_perm(SEND_FEEDBACK, inspection),
            feedback_request=selectors.feedback_request_latest(inspection=inspection)
            if user.has_perm(SEND_FEEDBACK, inspection)
            else None,
            may_see_verbal=user.has_perm(VIEW_VERBAL, inspection),
            verbal_feedback=selectors.verbal_feedback_of(inspection=inspection)
            if user.has_perm(VIEW_VERBAL, inspection)
            else [],
            **kwargs,
        )


class ReportDraftView(InspectionMixin, View):
    """POST: make a draft version of the report (or reuse the unchanged latest) and its PDF."""

    permission_required = MAKE_DRAFT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            version = services.report_draft_request(
                inspection=self.get_inspection(), by=request.user, request=request
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect(self.versions_url())
        messages.success(
            request,
            f"Draft version {version.number} of the report is being made. Its PDF will be ready "
            "to download on this page shortly.",
        )
        return redirect(self.versions_url() + f"#version-{version.number}")


@method_decorator(never_cache, name="dispatch")
class ReportVersionStatusView(InspectionMixin, View):
    """The PDF cell of one version's row, polled by htmx while the PDF is being made.

    `shown` is the state the page shows now: while it is still the state, the answer is 204 No
    Content, so htmx changes nothing and screen readers hear nothing new.
    """

    permission_required = VIEW_VERSIONS
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        inspection = self.get_inspection()
        version = selectors.report_version_of(
            inspection=inspection, number=self.kwargs["number"], user=request.user
        )
        if version is None:
            raise Http404("No such version of the report")
        state = version.document.state if version.document else ""
        if request.GET.get("shown") == state:
            return HttpResponse(status=204)
        if services.report_version_hashes_sync(inspection=inspection):
            version.refresh_from_db(fields=["sha256"])
        return TemplateResponse(
            request,
            "inspections/report_version_pdf.html",
            {"inspection": inspection, "version": _version_row(version, request.user)},
        )


class ReportPublishView(InspectionMixin, FormView):
    """The manager's approval: what will be published, then publish (or publish a new version)."""

    permission_required = PUBLISH
    template_name = "inspections/report_version_publish.html"
    form_class = PublishForm

    def get_preview(self):
        if not hasattr(self, "_preview"):
            self._preview = selectors.publication_preview(inspection=self.get_inspection())
        return self._preview

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "superseding": self.get_preview().published is not None,
        }

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        return super().get_context_data(
            preview=self.get_preview(),
            refusal=services.report_publish_refusal(inspection=inspection, user=self.request.user),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            version = services.report_publish(
                inspection=self.get_inspection(),
                reason=form.cleaned_data.get("reason", ""),
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Version {version.number} of the report has been published. The final PDF is being "
            "made; its SHA-256 will show here when it is ready.",
        )
        return redirect(self.versions_url() + f"#version-{version.number}")


class FeedbackRequestSendView(InspectionMixin, FormView):
    """Send the feedback questionnaire again (or to other contacts): a new single-use link, the
    unused old one cancelled. The first sending happens by itself at first publication."""

    permission_required = SEND_FEEDBACK
    template_name = "inspections/report_version_feedback_send.html"
    form_class = FeedbackSendForm

    def get_contacts(self):
        return services.feedback_recipients(self.get_inspection())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contacts": self.get_contacts()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            latest=selectors.feedback_request_latest(inspection=self.get_inspection()), **kwargs
        )

    def form_valid(self, form):
        try:
            sent = services.inspection_feedback_request_send(
                inspection=self.get_inspection(),
                recipients=form.chosen(),
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        people = f"{sent.recipients} {'person' if sent.recipients == 1 else 'people'}"
        messages.success(
            self.request,
            f"The feedback questionnaire has been emailed to {people}. Any earlier link that had "
            "not been used no longer works.",
        )
        return redirect(self.versions_url() + "#feedback")


# --- Verbal feedback ---------------------------------------------------------------------------


class VerbalFeedbackListView(InspectionMixin, TemplateView):
    permission_required = VIEW_VERBAL
    template_name = "inspections/verbal_feedback_list.html"

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        return super().get_context_data(
            records=selectors.verbal_feedback_of(inspection=inspection),
            may_record=self.request.user.has_perm(RECORD_VERBAL, inspection)
            and inspection.status not in services.PUBLISHED_OR_LATER,
            **kwargs,
        )


class VerbalFeedbackFormMixin(InspectionMixin):
    permission_required = RECORD_VERBAL
    template_name = "inspections/verbal_feedback_form.html"
    form_class = VerbalFeedbackForm

    def list_url(self) -> str:
        return reverse("inspections:verbal_feedback_list", args=[self.get_inspection().pk])

    def save(self, data: dict) -> VerbalFeedback:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.save(form.cleaned_data)
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Verbal feedback saved.")
        return redirect(self.list_url())


class VerbalFeedbackCreateView(VerbalFeedbackFormMixin, FormView):
    def save(self, data):
        return services.verbal_feedback_create(
            inspection=self.get_inspection(), by=self.request.user, request=self.request, **data
        )


class VerbalFeedbackUpdateView(VerbalFeedbackFormMixin, FormView):
    def get_record(self) -> VerbalFeedback:
        if not hasattr(self, "_record"):
            record = selectors.verbal_feedback_get(
                inspection=self.get_inspection(), pk=self.kwargs["feedback_pk"]
            )
            if record is None:
                raise Http404("No such verbal feedback")
            self._record = record
        return self._record

    def get_initial(self):
        record = self.get_record()
        return {
            "given_on": record.given_on,
            "given_by": record.given_by,
            "received_by": record.received_by,
            "points": record.points,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.get_record(), **kwargs)

    def save(self, data):
        return services.verbal_feedback_update(
            feedback=self.get_record(), by=self.request.user, request=self.request, **data
        )


urlpatterns = [
    path(
        "<int:pk>/report/versions/",
        ReportVersionListView.as_view(),
        name="report_version_list",
    ),
    path("<int:pk>/report/versions/draft/", ReportDraftView.as_view(), name="report_draft"),
    path(
        "<int:pk>/report/versions/publish/",
        ReportPublishView.as_view(),
        name="report_publish",
    ),
    path(
        "<int:pk>/report/versions/<int:number>/pdf/",
        ReportVersionStatusView.as_view(),
        name="report_version_status",
    ),
    path(
        "<int:pk>/report/feedback-questionnaire/",
        FeedbackRequestSendView.as_view(),
        name="report_feedback_send",
    ),
    path(
        "<int:pk>/verbal-feedback/",
        VerbalFeedbackListView.as_view(),
        name="verbal_feedback_list",
    ),
    path(
        "<int:pk>/verbal-feedback/new/",
        VerbalFeedbackCreateView.as_view(),
        name="verbal_feedback_create",
    ),
    path(
        "<int:pk>/verbal-feedback/<int:feedback_pk>/edit/",
        VerbalFeedbackUpdateView.as_view(),
        name="verbal_feedback_update",
    ),
]
