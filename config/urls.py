"""Top-level URL configuration."""

from django.urls import include, path

from core.admin_site import admin_site

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("framework/", include("qi_framework.urls")),
    path("documents/", include("reports.urls")),
    path("inspections/", include("inspections.urls")),
    path("partnerships/", include("partnerships.urls")),
    path("reviews/", include("throughcare.urls")),
    path("improvement/", include("improvement.urls")),
    path("retention/", include("retention.urls")),
    path("r/", include("qi_framework.urls_public")),
    path("django-admin/", admin_site.urls),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
