from django.urls import include, path

from reports import views

app_name = "reports"

urlpatterns = [
    path(
        "request/<slug:kind>/<int:subject_id>/",
        views.DocumentRequestView.as_view(),
        name="document_request",
    ),
    path("request/<slug:kind>/", views.DocumentRequestView.as_view(), name="document_request"),
    path("<int:pk>/", views.DocumentDetailView.as_view(), name="document_detail"),
    path("<int:pk>/status/", views.DocumentStatusView.as_view(), name="document_status"),
    path("<int:pk>/download/", views.DocumentDownloadView.as_view(), name="document_download"),
    path("<int:pk>/retry/", views.DocumentRetryView.as_view(), name="document_retry"),
    path("overview/", include("reports.overview.urls")),
    path(
        "figure-registers/<int:pk>/",
        views.FigureRegisterDetailView.as_view(),
        name="figure_register_detail",
    ),
    path(
        "figure-registers/<int:pk>/register.csv",
        views.FigureRegisterCSVView.as_view(),
        name="figure_register_csv",
    ),
]

# Managers' dashboards (reports/dashboards/).
from reports.dashboards.urls import urlpatterns as dashboard_urlpatterns  # noqa: E402

urlpatterns += dashboard_urlpatterns
