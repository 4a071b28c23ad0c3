from django.urls import path

from core import views
from core.uploads.views import StoredFileDownloadView

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("healthz", views.health, name="health"),
    path("audit/", views.AuditEventListView.as_view(), name="audit_list"),
    path(
        "files/<uuid:pk>/download/",
        StoredFileDownloadView.as_view(),
        name="file_download",
    ),
]
