from django.urls import path

from qi_framework import views

app_name = "qi_framework"

urlpatterns = [
    path("", views.FrameworkDetailView.as_view(), name="framework_detail"),
    path("scale/", views.ScaleView.as_view(), name="scale"),
    path("qi/<str:code>/", views.QualityIndicatorDetailView.as_view(), name="current_qi_detail"),
    path("versions/<int:version>/", views.FrameworkDetailView.as_view(), name="version_detail"),
    path("versions/<int:version>/scale/", views.ScaleView.as_view(), name="version_scale"),
    path(
        "versions/<int:version>/qi/<str:code>/",
        views.QualityIndicatorDetailView.as_view(),
        name="qi_detail",
    ),
    path(
        "versions/<int:version>/qi/<str:code>/edit/",
        views.QualityIndicatorUpdateView.as_view(),
        name="qi_update",
    ),
    path(
        "versions/<int:version>/qi/<str:code>/illustrations/<slug:set_code>/",
        views.IllustrationsUpdateView.as_view(),
        name="illustrations_update",
    ),
    path("versions/<int:version>/copy/", views.FrameworkCopyView.as_view(), name="version_copy"),
    path(
        "versions/<int:version>/make-current/",
        views.FrameworkMakeCurrentView.as_view(),
        name="version_make_current",
    ),
    path(
        "versions/<int:version>/export/",
        views.FrameworkExportView.as_view(),
        name="version_export",
    ),
]
