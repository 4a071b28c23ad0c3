"""Views for inspections: the evidence for each QI and the records behind every figure.

The inspection team and managers (`inspections.view_readings`) see the pages; the inspected
authority's staff and local co-readers never do (403), and people outside the inspection get a
404. Notes are saved by those who may propose grades.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.views import ProjectPermissionMixin
from inspections.forms.evidence import EvidenceNoteForm, FeedbackYearForm
from inspections.selectors.evaluations import evaluation_scale
from inspections.selectors.evidence import figure_records, qi_evidence, qi_evidence_index
from inspections.selectors.feedback import feedback_aggregate, feedback_years
from inspections.services.evidence import evidence_note_save
from inspections.views.readings import InspectionMixin
from retention.views import RecordDataDeletedMixin

__all__ = [
    "EvidenceFigureRecordsView",
    "EvidenceIndexView",
    "EvidenceQIView",
    "FeedbackAggregateView",
    "urlpatterns",
]

VIEW = "inspections.view_readings"
WRITE_NOTES = "inspections.propose_grade"
NOTE_SAVED = "Notes on QI {code} saved."


class EvidenceIndexView(InspectionMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/evidence_index.html"

    def get_context_data(self, **kwargs):
        records, rows = qi_evidence_index(inspection=self.inspection)
        return super().get_context_data(records=records, rows=rows, **kwargs)


class EvidenceQIView(InspectionMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/evidence_qi.html"

    def evidence(self):
        if not hasattr(self, "_evidence"):
            self._evidence = qi_evidence(inspection=self.inspection, code=self.kwargs["code"])
            if self._evidence is None:
                raise Http404("No such QI in this inspection")
        return self._evidence

    def get_context_data(self, form=None, **kwargs):
        evidence = self.evidence()
        may_write = self.request.user.has_perm(WRITE_NOTES, self.inspection)
        if form is None and may_write:
            form = EvidenceNoteForm(initial={"text": evidence.note.text if evidence.note else ""})
        grade = evidence.self_assessment.grade if evidence.self_assessment else None
        scale = {level.value: level.label for level in evaluation_scale(inspection=self.inspection)}
        return super().get_context_data(
            evidence=evidence,
            may_write=may_write,
            form=form,
            grade_label=scale.get(grade, ""),
            minimum_denominator=settings.STATISTICS_MIN_DENOMINATOR,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(WRITE_NOTES, self.inspection):
            raise PermissionDenied
        evidence = self.evidence()
        form = EvidenceNoteForm(request.POST)
        if form.is_valid():
            code = evidence.quality_indicator.code
            try:
                evidence_note_save(
                    inspection=self.inspection,
                    code=code,
                    text=form.cleaned_data["text"],
                    by=request.user,
                )
            except ApplicationError as error:
                form.add_error("text", error.message)
            else:
                messages.success(request, NOTE_SAVED.format(code=code))
                url = reverse(
                    "inspections:evidence_qi", kwargs={"pk": self.inspection.pk, "code": code}
                )
                return redirect(f"{url}#notes")
        return self.render_to_response(self.get_context_data(form=form))


class EvidenceFigureRecordsView(RecordDataDeletedMixin, InspectionMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/evidence_figure_records.html"

    def get_context_data(self, **kwargs):
        found = figure_records(inspection=self.inspection, figure_code=self.kwargs["figure_code"])
        if found is None:
            raise Http404("No such figure in this inspection")
        qi_code = found.figure.code.split("-", 1)[0]
        return super().get_context_data(found=found, qi_code=qi_code, **kwargs)


class FeedbackAggregateView(ProjectPermissionMixin, TemplateView):
    """Managers: the feedback questionnaire's answers totalled across inspections."""

    permission_required = "inspections.view_feedback"
    template_name = "inspections/feedback_aggregate.html"

    def get_context_data(self, **kwargs):
        form = FeedbackYearForm(self.request.GET or None, years=feedback_years())
        year = form.cleaned_data["year"] if form.is_valid() else None
        return super().get_context_data(
            form=form, aggregate=feedback_aggregate(year=year), **kwargs
        )


urlpatterns = [
    path("feedback/", FeedbackAggregateView.as_view(), name="feedback_aggregate"),
    path("<int:pk>/evidence/", EvidenceIndexView.as_view(), name="evidence_index"),
    path(
        "<int:pk>/evidence/figures/<str:figure_code>/",
        EvidenceFigureRecordsView.as_view(),
        name="evidence_figure_records",
    ),
    path("<int:pk>/evidence/<str:code>/", EvidenceQIView.as_view(), name="evidence_qi"),
]
