"""URLs for inspections: each views module contributes its own patterns."""

from inspections.views import (
    evaluations,
    interviews,
    moderation,
    populations,
    readings,
    samples,
    setup,
)

app_name = "inspections"

urlpatterns = [
    *setup.urlpatterns,
    *populations.urlpatterns,
    *samples.urlpatterns,
    *readings.urlpatterns,
    *moderation.urlpatterns,
    *interviews.urlpatterns,
    *evaluations.urlpatterns,
]
