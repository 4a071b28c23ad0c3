"""URLs for thematic reviews: each views module contributes its own patterns."""

from throughcare.views import (
    areas,
    interviews,
    moderation,
    outputs,
    recommendations,
    reviews,
    surveys,
    themes,
    triangulation,
)

app_name = "throughcare"

urlpatterns = [
    *reviews.urlpatterns,
    *areas.urlpatterns,
    *moderation.urlpatterns,
    *recommendations.urlpatterns,
    *triangulation.urlpatterns,
    *outputs.urlpatterns,
    *surveys.urlpatterns,
    *interviews.urlpatterns,
    *themes.urlpatterns,
]
