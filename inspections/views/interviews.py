"""Views for inspections: interviews with people on orders, and focus group outcomes.

Each view finds its object among the inspections the person may see (anyone else gets a 404),
then checks the permission for what it does (403 when the person may see the inspection but not
the interviews: the authority's own staff never see interview answers).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView

from core.exceptions import ApplicationError
from core.views import ProjectPermissionMixin
from inspections import selectors, services
from inspections.forms.interviews import FieldworkOutcomeForm, InterviewForm, field_name
from inspections.models import FieldworkEvent, Inspection, Interview
from inspections.views.common import inspection_or_404, visible_or_404
from retention.views import RecordDataDeletedMixin

VIEW = "inspections.view_interviews"
RECORD = "inspections.record_interviews"


def _put_errors(form, error: ApplicationError, name_of=lambda code: code) -> None:
    for code, message in error.extra.get("errors") or [(None, error.message)]:
        name = name_of(code) if code else None
        if name not in form.fields:
            name = code if code in form.fields else None
        form.add_error(name, message)


class InspectionInterviewMixin(ProjectPermissionMixin):
    """Views whose URL names the inspection (list, create)."""

    def get_inspection(self) -> Inspection:
        if not hasattr(self, "_inspection"):
            self._inspection = inspection_or_404(self.request.user, self.kwargs["pk"])
        return self._inspection

    def get_permission_object(self):
        return self.get_inspection()


class InterviewMixin(ProjectPermissionMixin):
    """Views whose URL names an interview."""

    def get_interview(self) -> Interview:
        if not hasattr(self, "_interview"):
            interview = get_object_or_404(
                Interview.objects.select_related(
                    "activity__inspection", "interviewer", "instrument_version"
                ),
                pk=self.kwargs["pk"],
            )
            inspection = getattr(interview.activity, "inspection", None)
            if inspection is None:
                raise Http404("No such interview")
            visible_or_404(self.request.user, inspection)
            self._interview = interview
        return self._interview

    def get_permission_object(self):
        return self.get_interview().activity.inspection


class InterviewListView(RecordDataDeletedMixin, InspectionInterviewMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/interview_list.html"

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        activity = inspection.activity
        return super().get_context_data(
            inspection=inspection,
            interviews=selectors.interview_list(activity=activity),
            counts=selectors.interview_counts(activity=activity),
            focus_groups=selectors.focus_group_summary(activity=activity),
            events=selectors.outcome_events(activity=activity),
            may_record=self.request.user.has_perm(RECORD, inspection),
            **kwargs,
        )


class InterviewFormMixin:
    template_name = "inspections/interview_form.html"

    def form_error(self, form, error: ApplicationError):
        _put_errors(
            form,
            error,
            name_of=lambda code: code if code in ("date", "pseudonym") else field_name(code),
        )
        return self.render_to_response(self.get_context_data(form=form))


class InterviewCreateView(InspectionInterviewMixin, InterviewFormMixin, FormView):
    permission_required = RECORD

    def get_form(self, form_class=None):
        version = self.get_inspection().activity.interview_instrument
        if version is None:
            raise Http404("This inspection has no interview schedule")
        return InterviewForm(**self.get_form_kwargs(), version=version)

    def get_context_data(self, **kwargs):
        return super().get_context_data(inspection=self.get_inspection(), **kwargs)

    def form_valid(self, form):
        try:
            interview = services.interview_record(
                activity=self.get_inspection().activity,
                date=form.cleaned_data["date"],
                pseudonym=form.cleaned_data["pseudonym"],
                answers=form.answers(),
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            return self.form_error(form, error)
        messages.success(self.request, f"Interview with {interview.pseudonym} recorded.")
        return redirect("inspections:interview_detail", pk=interview.pk)


class InterviewDetailView(InterviewMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/interview_detail.html"

    def get_context_data(self, **kwargs):
        interview = self.get_interview()
        inspection = interview.activity.inspection
        return super().get_context_data(
            interview=interview,
            inspection=inspection,
            sections=selectors.interview_answers(interview=interview),
            consented=interview.answers.filter(
                question__code=services.CONSENT_QUESTION, value_code="yes"
            ).exists(),
            may_record=self.request.user.has_perm(RECORD, inspection),
            **kwargs,
        )


class InterviewUpdateView(InterviewMixin, InterviewFormMixin, FormView):
    permission_required = RECORD

    def get_form(self, form_class=None):
        interview = self.get_interview()
        kwargs = self.get_form_kwargs()
        if self.request.method == "GET":
            kwargs["initial"] = InterviewForm.initial_from(interview)
        return InterviewForm(**kwargs, version=interview.instrument_version)

    def get_context_data(self, **kwargs):
        interview = self.get_interview()
        return super().get_context_data(
            interview=interview, inspection=interview.activity.inspection, **kwargs
        )

    def form_valid(self, form):
        interview = self.get_interview()
        try:
            services.interview_update(
                interview=interview,
                date=form.cleaned_data["date"],
                pseudonym=form.cleaned_data["pseudonym"],
                answers=form.answers(),
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            return self.form_error(form, error)
        messages.success(self.request, "Interview updated.")
        return redirect("inspections:interview_detail", pk=interview.pk)


class FieldworkOutcomeUpdateView(ProjectPermissionMixin, FormView):
    permission_required = RECORD
    template_name = "inspections/fieldwork_record_outcome.html"
    form_class = FieldworkOutcomeForm

    def get_event(self) -> FieldworkEvent:
        if not hasattr(self, "_event"):
            event = get_object_or_404(
                FieldworkEvent.objects.select_related("activity__inspection"), pk=self.kwargs["pk"]
            )
            inspection = getattr(event.activity, "inspection", None)
            if inspection is None:
                raise Http404("No such event")
            visible_or_404(self.request.user, inspection)
            self._event = event
        return self._event

    def get_permission_object(self):
        return self.get_event().activity.inspection

    def get_initial(self):
        event = self.get_event()
        initial = {"notes": event.notes}
        initial.update({code: str(n) for code, n in (event.participants or {}).items()})
        return initial

    def get_context_data(self, **kwargs):
        event = self.get_event()
        return super().get_context_data(event=event, inspection=event.activity.inspection, **kwargs)

    def form_valid(self, form):
        event = self.get_event()
        try:
            services.fieldwork_event_record_outcome(
                event=event,
                participants=form.participants(),
                notes=form.cleaned_data["notes"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            _put_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(self.request, f"Outcome of “{event}” recorded.")
        return redirect(
            reverse("inspections:interview_list", args=[event.activity.inspection.pk])
            + "#focus-groups"
        )


urlpatterns = [
    path("<int:pk>/interviews/", InterviewListView.as_view(), name="interview_list"),
    path("<int:pk>/interviews/new/", InterviewCreateView.as_view(), name="interview_create"),
    path("interviews/<int:pk>/", InterviewDetailView.as_view(), name="interview_detail"),
    path("interviews/<int:pk>/edit/", InterviewUpdateView.as_view(), name="interview_update"),
    path(
        "events/<int:pk>/outcome/",
        FieldworkOutcomeUpdateView.as_view(),
        name="fieldwork_outcome_update",
    ),
]
