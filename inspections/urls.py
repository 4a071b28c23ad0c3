"""URLs for inspections: each views module contributes its own patterns."""

from inspections.views import (
    evaluations,
    evidence,
    interviews,
    moderation,
    populations,
    readings,
    report,
    report_versions,
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
    *evidence.urlpatterns,
    *report.urlpatterns,
    *report_versions.urlpatterns,
]
