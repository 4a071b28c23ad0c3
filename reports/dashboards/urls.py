"""Dashboard addresses, added to reports.urls (under the `reports` namespace)."""

from django.urls import path

from reports.dashboards import views

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/tables/<slug:section>/<slug:table>.<slug:fmt>",
        views.DashboardTableView.as_view(),
        name="dashboard_table",
    ),
    path(
        "dashboard/records/<slug:kind>/<slug:code>/",
        views.DashboardRecordsView.as_view(),
        name="dashboard_records",
    ),
]
