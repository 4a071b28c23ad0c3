"""Thematic reviews: the recommendations of national reports to national partners, by status
and by review. Read live (a few rows per review), scoped as the throughcare app scopes reviews
(`throughcare.selectors.reviews_visible_to`: managers every review, inspectors the reviews whose
team they are on). The period applies to the year a review started; the area filter keeps the
reviews in which that authority takes part.
"""

from collections import Counter, defaultdict

from django.urls import reverse

from qi_framework.models import ScrutinyKind
from reports.dashboards.charts import Bar, bar_chart
from reports.dashboards.exports import Cell, Table
from reports.dashboards.sections import Section, SectionResult, register_section
from reports.dashboards.selectors import DashboardScope
from throughcare import selectors as throughcare_selectors
from throughcare.models import ReviewRecommendation, ThematicReview

R = ReviewRecommendation.Status


def reviews_in_scope(scope: DashboardScope) -> list[ThematicReview]:
    qs = throughcare_selectors.reviews_visible_to(user=scope.user)
    filters = scope.filters
    if filters.year_from:
        qs = qs.filter(starts_on__year__gte=filters.year_from)
    if filters.year_to:
        qs = qs.filter(starts_on__year__lte=filters.year_to)
    if filters.authority_id:
        qs = qs.filter(areas__activity__authority_id=filters.authority_id).distinct()
    return list(qs.order_by("-starts_on", "title"))


@register_section
class ReviewsSection(Section):
    position = 60
    key = "reviews"
    title = "Thematic reviews"
    kinds = frozenset({ScrutinyKind.THROUGHCARE_REVIEW})

    def build(self, scope: DashboardScope) -> SectionResult:
        reviews = reviews_in_scope(scope)
        per_review: dict[int, Counter] = defaultdict(Counter)
        for review_id, status in ReviewRecommendation.objects.filter(
            review__in=[r.pk for r in reviews]
        ).values_list("review_id", "status"):
            per_review[review_id][status] += 1
        by_status = sum(per_review.values(), Counter())
        total = sum(by_status.values())

        status_table = Table(
            "reviews-recommendations-status",
            "Recommendations of thematic reviews by status",
            ["Status", "Recommendations"],
        )
        for status, label in R.choices:
            status_table.add(label, by_status.get(status, 0))
        status_table.add(Cell("Total", css="app-total"), total)
        chart = bar_chart(
            chart_id="chart-reviews-recommendations",
            title="Recommendations of thematic reviews by status",
            description=(
                f"{total} recommendations of {len(reviews)} thematic reviews in the filters "
                "chosen, by status: "
                + "; ".join(f"{label} {by_status.get(s, 0)}" for s, label in R.choices)
                + ". The table below gives the same figures."
            ),
            bars=[
                Bar(label, by_status.get(s, 0) / total if total else 0, str(by_status.get(s, 0)))
                for s, label in R.choices
            ],
        )

        review_table = Table(
            "reviews-recommendations",
            "Recommendations by review",
            ["Review", "Review status", *[label for _, label in R.choices], "Total"],
        )
        for review in reviews:
            counts = per_review[review.pk]
            listed = reverse("throughcare:recommendation_list", args=[review.pk])
            review_table.add(
                Cell(review.title, href=reverse("throughcare:review_detail", args=[review.pk])),
                review.get_status_display(),
                *[Cell(counts.get(s, 0), href=listed) for s, _ in R.choices],
                Cell(sum(counts.values()), href=listed),
            )
        return self.result(
            [status_table, review_table],
            chart=chart if reviews else "",
            total=total,
            reviews=len(reviews),
        )
