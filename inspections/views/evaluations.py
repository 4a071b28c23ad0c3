"""Views for inspections: evaluations (proposed and agreed grades) and recommendations.

Each view finds the inspection among those the person may see (anyone else gets a 404), then
checks the permission for what it does (403 when the person may see the inspection but not its
grades: the inspected authority's staff and co-readers never see grades before publication).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views.generic import FormView, TemplateView

from core.exceptions import ApplicationError
from core.forms import add_service_errors
from core.views import ProjectPermissionMixin
from inspections import selectors, services
from inspections.forms.evaluations import (
    CapacityStatementForm,
    EvaluationForm,
    GradeProposalForm,
    GradesUnlockForm,
    RecommendationForm,
)
from inspections.models import Inspection, Recommendation
from inspections.views.common import inspection_or_404

VIEW = "inspections.view_evaluations"
PROPOSE = "inspections.propose_grade"
AGREE = "inspections.agree_grades"


class EvaluationMixin(ProjectPermissionMixin):
    """Views whose URL names the inspection."""

    def get_inspection(self) -> Inspection:
        if not hasattr(self, "_inspection"):
            self._inspection = inspection_or_404(self.request.user, self.kwargs["pk"])
        return self._inspection

    def get_permission_object(self):
        return self.get_inspection()

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        record = selectors.evaluation_record_of(inspection=inspection)
        return super().get_context_data(
            inspection=inspection,
            record=record,
            locked=bool(record and record.locked_at),
            may_agree=self.request.user.has_perm(AGREE, inspection),
            may_propose=self.request.user.has_perm(PROPOSE, inspection),
            **kwargs,
        )


class EvaluationListView(EvaluationMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/evaluation_list.html"

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        return super().get_context_data(
            rows=selectors.evaluation_overview(inspection=inspection, user=self.request.user),
            recommendations=selectors.recommendation_list(inspection=inspection),
            **kwargs,
        )


class QIFormMixin(EvaluationMixin):
    """A form about one evaluated QI, named by its code in the URL."""

    def get_row(self):
        if not hasattr(self, "_row"):
            row = selectors.evaluation_row(
                inspection=self.get_inspection(), code=self.kwargs["code"], user=self.request.user
            )
            if row is None:
                raise Http404("This inspection does not evaluate that QI")
            self._row = row
        return self._row

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["scale"] = selectors.evaluation_scale(inspection=self.get_inspection())
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(row=self.get_row(), **kwargs)

    def refused(self, form, error: ApplicationError):
        add_service_errors(form, error)
        return self.render_to_response(self.get_context_data(form=form))


class EvaluationProposeView(QIFormMixin, FormView):
    permission_required = PROPOSE
    template_name = "inspections/evaluation_propose.html"
    form_class = GradeProposalForm

    def get_initial(self):
        own = self.get_row().own_proposal
        return {"grade": str(own.grade), "rationale": own.rationale} if own else {}

    def form_valid(self, form):
        row = self.get_row()
        try:
            services.grade_propose(
                inspection=self.get_inspection(),
                quality_indicator=row.quality_indicator,
                grade=form.cleaned_data["grade"],
                rationale=form.cleaned_data["rationale"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            return self.refused(form, error)
        messages.success(
            self.request, f"Your proposed grade for {row.quality_indicator.code} saved."
        )
        return redirect("inspections:evaluation_list", pk=self.get_inspection().pk)


class EvaluationRecordView(QIFormMixin, FormView):
    permission_required = AGREE
    template_name = "inspections/evaluation_record.html"
    form_class = EvaluationForm

    def get_initial(self):
        evaluation = self.get_row().evaluation
        if evaluation is None:
            return {}
        return {
            "grade": str(evaluation.grade) if evaluation.grade else "",
            "rationale": evaluation.rationale,
            "strengths": evaluation.strengths,
            "areas_for_improvement": evaluation.areas_for_improvement,
        }

    def form_valid(self, form):
        row = self.get_row()
        try:
            services.evaluation_record(
                inspection=self.get_inspection(),
                quality_indicator=row.quality_indicator,
                by=self.request.user,
                request=self.request,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            return self.refused(form, error)
        messages.success(self.request, f"Evaluation of {row.quality_indicator.code} saved.")
        return redirect("inspections:evaluation_list", pk=self.get_inspection().pk)


class EvaluationCapacityView(EvaluationMixin, FormView):
    permission_required = AGREE
    template_name = "inspections/evaluation_capacity.html"
    form_class = CapacityStatementForm

    def get_initial(self):
        record = selectors.evaluation_record_of(inspection=self.get_inspection())
        return {"text": record.capacity_for_improvement} if record else {}

    def form_valid(self, form):
        try:
            services.capacity_statement_save(
                inspection=self.get_inspection(),
                text=form.cleaned_data["text"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(self.request, "Capacity for improvement statement saved.")
        return redirect("inspections:evaluation_list", pk=self.get_inspection().pk)


class EvaluationAgreeView(EvaluationMixin, TemplateView):
    permission_required = AGREE
    template_name = "inspections/evaluation_agree.html"

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        return super().get_context_data(
            rows=selectors.evaluation_overview(inspection=inspection, user=self.request.user),
            missing=services.evaluation_missing(inspection=inspection),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        inspection = self.get_inspection()
        try:
            services.grades_agree(inspection=inspection, by=request.user, request=request)
        except ApplicationError as error:
            return self.render_to_response(
                self.get_context_data(error=error.message, **kwargs), status=200
            )
        messages.success(request, "Grades agreed and locked.")
        return redirect("inspections:evaluation_list", pk=inspection.pk)


class EvaluationUnlockView(EvaluationMixin, FormView):
    permission_required = AGREE
    template_name = "inspections/evaluation_unlock.html"
    form_class = GradesUnlockForm

    def form_valid(self, form):
        try:
            services.grades_unlock(
                inspection=self.get_inspection(),
                reason=form.cleaned_data["reason"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(self.request, "Grades unlocked. They can be changed again.")
        return redirect("inspections:evaluation_list", pk=self.get_inspection().pk)


# --- Recommendations -------------------------------------------------------------------------


class RecommendationListView(EvaluationMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/recommendation_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            recommendations=selectors.recommendation_list(inspection=self.get_inspection()),
            **kwargs,
        )


class RecommendationMixin(EvaluationMixin):
    """Views whose URL names a recommendation."""

    def get_recommendation(self) -> Recommendation:
        if not hasattr(self, "_recommendation"):
            recommendation = get_object_or_404(
                Recommendation.objects.select_related("inspection"), pk=self.kwargs["pk"]
            )
            if not self.request.user.has_perm(
                "inspections.view_inspection", recommendation.inspection
            ):
                raise Http404("No such recommendation")
            self._recommendation = recommendation
            self._inspection = recommendation.inspection
        return self._recommendation

    def get_inspection(self) -> Inspection:
        self.get_recommendation()
        return self._inspection

    def get_context_data(self, **kwargs):
        return super().get_context_data(recommendation=self.get_recommendation(), **kwargs)


class RecommendationFormMixin:
    template_name = "inspections/recommendation_form.html"
    form_class = RecommendationForm
    permission_required = AGREE

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["qis"] = selectors.reported_qis(inspection=self.get_inspection())
        return kwargs

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.save(form)
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        return redirect("inspections:recommendation_list", pk=self.get_inspection().pk)


class RecommendationCreateView(RecommendationFormMixin, EvaluationMixin, FormView):
    def save(self, form):
        services.recommendation_create(
            inspection=self.get_inspection(),
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            quality_indicators=form.chosen_qis(),
            by=self.request.user,
            request=self.request,
        )
        messages.success(
            self.request, f"{Recommendation.Kind(form.cleaned_data['kind']).label} added."
        )


class RecommendationUpdateView(RecommendationFormMixin, RecommendationMixin, FormView):
    def get_initial(self):
        recommendation = self.get_recommendation()
        return {
            "kind": recommendation.kind,
            "text": recommendation.text,
            "quality_indicators": [
                str(pk) for pk in recommendation.quality_indicators.values_list("pk", flat=True)
            ],
        }

    def save(self, form):
        services.recommendation_update(
            recommendation=self.get_recommendation(),
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
            quality_indicators=form.chosen_qis(),
            by=self.request.user,
            request=self.request,
        )
        messages.success(self.request, "Changes saved.")


class RecommendationDeleteView(RecommendationMixin, TemplateView):
    permission_required = AGREE
    template_name = "inspections/recommendation_delete.html"

    def post(self, request, *args, **kwargs):
        recommendation = self.get_recommendation()
        try:
            services.recommendation_delete(
                recommendation=recommendation, by=request.user, request=request
            )
        except ApplicationError as error:
            return self.render_to_response(self.get_context_data(error=error.message))
        messages.success(request, f"{recommendation.get_kind_display()} deleted.")
        return redirect("inspections:recommendation_list", pk=recommendation.inspection_id)


urlpatterns = [
    path("<int:pk>/evaluations/", EvaluationListView.as_view(), name="evaluation_list"),
    path(
        "<int:pk>/evaluations/capacity/",
        EvaluationCapacityView.as_view(),
        name="evaluation_capacity",
    ),
    path("<int:pk>/evaluations/agree/", EvaluationAgreeView.as_view(), name="evaluation_agree"),
    path("<int:pk>/evaluations/unlock/", EvaluationUnlockView.as_view(), name="evaluation_unlock"),
    path(
        "<int:pk>/evaluations/<str:code>/propose/",
        EvaluationProposeView.as_view(),
        name="evaluation_propose",
    ),
    path(
        "<int:pk>/evaluations/<str:code>/agreed/",
        EvaluationRecordView.as_view(),
        name="evaluation_record",
    ),
    path("<int:pk>/recommendations/", RecommendationListView.as_view(), name="recommendation_list"),
    path(
        "<int:pk>/recommendations/new/",
        RecommendationCreateView.as_view(),
        name="recommendation_create",
    ),
    path(
        "recommendations/<int:pk>/edit/",
        RecommendationUpdateView.as_view(),
        name="recommendation_update",
    ),
    path(
        "recommendations/<int:pk>/delete/",
        RecommendationDeleteView.as_view(),
        name="recommendation_delete",
    ),
]
