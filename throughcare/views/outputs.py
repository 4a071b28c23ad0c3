"""Views for a review's outputs: each area's reports, and the national report.

- An area's reports page (file reading analysis, staff survey summary) is for the review team,
  managers and that area's own authority contacts (`throughcare.view_area_outputs`); anyone
  else, including another area's contacts, gets a 404. Asking for and downloading a document
  go through the reports pages, which check the same permission against the area.
- The national report page shows the report's documents and its figure register; the review
  team writes the report's narrative there, and the lead or a manager publishes it.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.views.generic import FormView, TemplateView, View

from core.exceptions import ApplicationError
from core.views import ProjectPermissionMixin
from throughcare.forms.outputs import NarrativeForm
from throughcare.selectors.outputs import area_documents, national_report_documents
from throughcare.services.outputs import (
    AREA_ANALYSIS,
    STAFF_SURVEY_SUMMARY,
    narrative_sections,
    national_report_publish,
    national_report_register,
    national_report_request,
    report_narrative_update,
)
from throughcare.views.common import area_or_404, review_or_404

VIEW_AREA = "throughcare.view_area_outputs"
VIEW_NATIONAL = "throughcare.view_national_report"
EDIT_NATIONAL = "throughcare.edit_national_report"
PUBLISH_NATIONAL = "throughcare.publish_national_report"
SAVED = "The report’s text is saved."
PUBLISHED = "The national report is published and its figure register is frozen."


def register_url(register) -> str:
    """Return the figure register's page (built by reports), by name if it exists."""
    if register is None:
        return ""
    try:
        return reverse("reports:figure_register_detail", args=[register.pk])
    except NoReverseMatch:
        return f"/documents/figure-registers/{register.pk}/"


class AreaOutputsView(ProjectPermissionMixin, TemplateView):
    permission_required = VIEW_AREA
    template_name = "throughcare/output_area.html"

    def get_area(self):
        if not hasattr(self, "_area"):
            self._area = area_or_404(
                self.request.user, self.kwargs["pk"], self.kwargs["area_pk"], perm=VIEW_AREA
            )
        return self._area

    def get_permission_object(self):
        return self.get_area()

    def get_context_data(self, **kwargs):
        area = self.get_area()
        documents = area_documents(area=area)
        return {
            **super().get_context_data(**kwargs),
            "area": area,
            "review": area.review,
            "outputs": [
                {
                    "code": AREA_ANALYSIS,
                    "title": "File reading analysis report",
                    "about": "The sample by licence type and the results of every question of "
                    "the reading tool, over the records read.",
                    "document": documents[AREA_ANALYSIS],
                },
                {
                    "code": STAFF_SURVEY_SUMMARY,
                    "title": "Staff survey summary",
                    "about": "The number of responses and the response rate, the results of "
                    "every question and the themes of the free-text answers.",
                    "document": documents[STAFF_SURVEY_SUMMARY],
                },
            ],
        }


class NationalMixin(ProjectPermissionMixin):
    def get_review(self):
        if not hasattr(self, "_review"):
            self._review = review_or_404(self.request.user, self.kwargs["pk"], perm=VIEW_NATIONAL)
        return self._review

    def get_permission_object(self):
        return self.get_review()


class NationalReportView(NationalMixin, FormView):
    """The national report: documents, register and (for the team) its narrative."""

    permission_required = VIEW_NATIONAL
    template_name = "throughcare/output_national.html"
    form_class = NarrativeForm

    def may_edit(self) -> bool:
        review = self.get_review()
        return self.request.user.has_perm(EDIT_NATIONAL, review) and review.status not in {
            "published",
            "follow_up",
            "closed",
        }

    def get_form(self, form_class=None):
        if not self.may_edit():
            return None
        return super().get_form(form_class)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["sections"] = narrative_sections(self.get_review())
        return kwargs

    def get_initial(self):
        return dict(self.get_review().narrative or {})

    def post(self, request, *args, **kwargs):
        if not self.may_edit():
            self.handle_no_permission()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            report_narrative_update(
                review=self.get_review(),
                sections=form.cleaned_data,
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            for name, message in error.extra.get("errors") or [(None, error.message)]:
                form.add_error(name if name in form.fields else None, message)
            return self.form_invalid(form)
        messages.success(self.request, SAVED)
        return redirect("throughcare:output_national", pk=self.get_review().pk)

    def get_context_data(self, **kwargs):
        review = self.get_review()
        documents = list(national_report_documents(review=review)[:5])
        latest = documents[0] if documents else None
        register = national_report_register(document=latest) if latest else None
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context.update(
            review=review,
            documents=documents,
            latest=latest,
            register=register,
            register_url=register_url(register) if user.has_perm(EDIT_NATIONAL, review) else "",
            sections=[
                (key, heading, (review.narrative or {}).get(key, ""))
                for key, heading, _ in narrative_sections(review)
            ],
            may_edit=self.may_edit(),
            may_request=user.has_perm(EDIT_NATIONAL, review),
            may_publish=user.has_perm(PUBLISH_NATIONAL, review)
            and review.status == review.Status.REPORTING,
        )
        return context


class NationalReportRequestView(NationalMixin, View):
    """POST: ask for the national report (and build its figure register)."""

    permission_required = EDIT_NATIONAL
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.get_review()
        try:
            document = national_report_request(review=review, by=request.user, request=request)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("throughcare:output_national", pk=review.pk)
        return redirect("reports:document_detail", pk=document.pk)


class NationalReportPublishView(NationalMixin, View):
    """POST: publish the national report; its figure register is frozen."""

    permission_required = PUBLISH_NATIONAL
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        review = self.get_review()
        try:
            national_report_publish(review=review, by=request.user, request=request)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, PUBLISHED)
        return redirect("throughcare:output_national", pk=review.pk)


urlpatterns = [
    path(
        "<int:pk>/areas/<int:area_pk>/reports/",
        AreaOutputsView.as_view(),
        name="output_area",
    ),
    path("<int:pk>/report/", NationalReportView.as_view(), name="output_national"),
    path(
        "<int:pk>/report/request/",
        NationalReportRequestView.as_view(),
        name="output_national_request",
    ),
    path(
        "<int:pk>/report/publish/",
        NationalReportPublishView.as_view(),
        name="output_national_publish",
    ),
]
