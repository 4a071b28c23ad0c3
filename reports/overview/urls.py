"""The overview report's pages, mounted under /documents/overview/ by reports.urls."""

from django.urls import path

from reports.overview import views

urlpatterns = [
    path("", views.OverviewListView.as_view(), name="overview_list"),
    path("new/", views.OverviewCreateView.as_view(), name="overview_create"),
    path("<int:pk>/", views.OverviewDetailView.as_view(), name="overview_detail"),
    path("<int:pk>/text/", views.OverviewNarrativeView.as_view(), name="overview_narrative"),
    path("<int:pk>/request/", views.OverviewRequestView.as_view(), name="overview_request"),
]
