"""Views for inspections: moderation (url patterns combined in inspections/urls.py).

Double-read records whose two readings differ are listed side by side; the lead inspector
records the answer that counts, with the reason. The agreement page gives percentage agreement
and kappa per question and per pair of readers.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.views import ProjectPermissionMixin
from inspections import selectors, services
from inspections.agreement import MINIMUM_PAIRS
from inspections.models import ModeratedAnswer, SampleRecord
from inspections.services.moderation import MODERATION_REASON_REQUIRED
from inspections.views.readings import InspectionMixin, _raw_value
from qi_framework.instruments import questions_of


class ModerationListView(InspectionMixin, TemplateView):
    """The disagreements, for the inspection team to see; only the lead records answers."""

    permission_required = "inspections.view_readings"
    template_name = "inspections/moderation_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_moderate"] = self.request.user.has_perm(
            "inspections.moderate", self.inspection
        )
        sample = getattr(self.inspection.activity, "sample", None)
        context["discrepancies"] = (
            selectors.discrepancy_list(sample=sample) if sample is not None else []
        )
        return context


class AgreementView(InspectionMixin, TemplateView):
    permission_required = "inspections.view_readings"
    template_name = "inspections/moderation_agreement.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sample = getattr(self.inspection.activity, "sample", None)
        context["table"] = (
            selectors.agreement_table(sample=sample)
            if sample is not None
            else {"by_question": [], "by_readers": [], "records": 0}
        )
        context["minimum_pairs"] = MINIMUM_PAIRS
        return context


class ModerationRecordView(ProjectPermissionMixin, View):
    """Record the answer that counts for one question of one double-read record."""

    permission_required = "inspections.moderate"
    template_name = "inspections/moderation_form.html"

    def get_permission_object(self):
        if not hasattr(self, "sample_record"):
            self.sample_record = get_object_or_404(
                SampleRecord.objects.select_related(
                    "record", "sample__activity__inspection", "sample__activity__reading_instrument"
                ),
                pk=self.kwargs["pk"],
            )
            activity = self.sample_record.sample.activity
            if not self.request.user.has_perm("inspections.view_inspection", activity):
                raise Http404
            version = activity.reading_instrument
            self.question = next(
                (q for q in questions_of(version) if q.code == self.kwargs["code"]), None
            )
            if self.question is None or self.question.is_derived:
                raise Http404
        return self.sample_record.sample.activity

    def context(self, *, posted=None, error="", reason="", reason_error=""):
        activity = self.sample_record.sample.activity
        discrepancy = next(
            (
                d
                for d in selectors.discrepancy_list(sample=self.sample_record.sample)
                if d.sample_record.pk == self.sample_record.pk
                and d.question.code == self.question.code
            ),
            None,
        )
        moderated = ModeratedAnswer.objects.filter(
            sample_record=self.sample_record, question=self.question
        ).first()
        value = None
        if moderated is not None:
            moderated.question = self.question
            value = moderated.value
            reason = reason or moderated.reason
        scale = {
            level.value: level.label for level in activity.reading_instrument.framework.scale.all()
        }
        view = selectors.QuestionView(
            question=self.question,
            value=value,
            display=services.answer_display(self.question, value, scale),
            version=None,
            visible=True,
            choices=selectors.question_choices(self.question, scale),
            state=selectors.field_state(self.question, value, posted),
            error=error,
        )
        return {
            "inspection": activity.inspection,
            "sample_record": self.sample_record,
            "question": self.question,
            "discrepancy": discrepancy,
            "q": view,
            "editable": True,
            "reason": reason,
            "reason_error": reason_error,
            "has_errors": bool(error or reason_error),
        }

    def get(self, request, pk, code):
        return render(request, self.template_name, self.context())

    def post(self, request, pk, code):
        reason = request.POST.get("reason", "").strip()
        try:
            services.moderation_record(
                sample_record=self.sample_record,
                question=self.question,
                raw_value=_raw_value(request.POST, self.question),
                reason=reason,
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            field_error, reason_error = error.message, ""
            if error.message == MODERATION_REASON_REQUIRED:
                field_error, reason_error = "", error.message
            context = self.context(
                posted=request.POST, error=field_error, reason=reason, reason_error=reason_error
            )
            return render(request, self.template_name, context)
        messages.success(
            request,
            f"Moderated answer recorded for {self.sample_record.record.reference}: "
            f"{self.question.text}",
        )
        inspection = self.sample_record.sample.activity.inspection
        return redirect(reverse("inspections:moderation_list", kwargs={"pk": inspection.pk}))


urlpatterns = [
    path("<int:pk>/moderation/", ModerationListView.as_view(), name="moderation_list"),
    path("<int:pk>/moderation/agreement/", AgreementView.as_view(), name="agreement_table"),
    path(
        "records/<int:pk>/moderate/<slug:code>/",
        ModerationRecordView.as_view(),
        name="moderatedanswer_create",
    ),
]
