"""Views for a review's analysis: triangulation by QI and the records behind a figure.

Only the review team and managers see them (`throughcare.view_analysis`); anyone else gets a
404, as if the review did not exist.
"""

from django.http import Http404
from django.urls import path
from django.views.generic import TemplateView

from core.views import ProjectPermissionMixin
from retention.selectors import review_record_data_notice
from retention.views import RecordDataDeletedMixin
from throughcare.forms.triangulation import ThresholdForm
from throughcare.selectors.triangulation import (
    SOURCES,
    difference_threshold,
    figure_records,
    triangulation,
    triangulation_index,
)
from throughcare.views.common import review_or_404

VIEW = "throughcare.view_analysis"


class AnalysisMixin(ProjectPermissionMixin):
    permission_required = VIEW

    def get_review(self):
        if not hasattr(self, "_review"):
            self._review = review_or_404(self.request.user, self.kwargs["pk"], perm=VIEW)
        return self._review

    def get_permission_object(self):
        return self.get_review()

    def get_context_data(self, **kwargs):
        # Once retention deleted record-level data, the live figures count only what is left.
        notice = review_record_data_notice(review=self.get_review())
        return super().get_context_data(retention_notice=notice, **kwargs)


class TriangulationIndexView(AnalysisMixin, TemplateView):
    template_name = "throughcare/triangulation_index.html"

    def get_context_data(self, **kwargs):
        review = self.get_review()
        return super().get_context_data(
            review=review,
            lines=triangulation_index(review=review),
            sources=SOURCES,
            threshold=difference_threshold(),
            **kwargs,
        )


class TriangulationDetailView(AnalysisMixin, TemplateView):
    template_name = "throughcare/triangulation_detail.html"

    def get_context_data(self, **kwargs):
        review = self.get_review()
        form = ThresholdForm(
            self.request.GET or None, initial={"threshold": difference_threshold()}
        )
        threshold = form.cleaned_data["threshold"] if form.is_valid() else None
        result = triangulation(review=review, code=self.kwargs["code"], threshold=threshold)
        if result is None:
            raise Http404("This review does not consider that QI")
        return super().get_context_data(
            review=review, result=result, form=form, sources=SOURCES, **kwargs
        )


class TriangulationRecordsView(RecordDataDeletedMixin, AnalysisMixin, TemplateView):
    """The sampled records behind one reading figure, each linked to its reading."""

    template_name = "throughcare/triangulation_records.html"

    def get_context_data(self, **kwargs):
        review = self.get_review()
        found = figure_records(review=review, figure_code=self.kwargs["figure_code"])
        if found is None:
            raise Http404("No such figure")
        back = self.request.GET.get("qi", "")
        if not any(qi.code == back for qi in review.quality_indicators.all()):
            back = ""
        return super().get_context_data(review=review, found=found, back_qi=back, **kwargs)


urlpatterns = [
    path("<int:pk>/triangulation/", TriangulationIndexView.as_view(), name="triangulation_index"),
    path(
        "<int:pk>/triangulation/figures/<str:figure_code>/",
        TriangulationRecordsView.as_view(),
        name="triangulation_records",
    ),
    path(
        "<int:pk>/triangulation/<str:code>/",
        TriangulationDetailView.as_view(),
        name="triangulation_detail",
    ),
]
