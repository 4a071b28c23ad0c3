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
    path("instruments/", views.InstrumentListView.as_view(), name="instrument_list"),
    path("instruments/import/", views.InstrumentImportView.as_view(), name="instrument_import"),
    path(
        "instruments/<slug:code>/v<int:version>/",
        views.InstrumentVersionDetailView.as_view(),
        name="instrument_version_detail",
    ),
    path(
        "instruments/<slug:code>/v<int:version>/copy/",
        views.InstrumentVersionCopyView.as_view(),
        name="instrument_version_copy",
    ),
    path(
        "instruments/<slug:code>/v<int:version>/publish/",
        views.InstrumentVersionPublishView.as_view(),
        name="instrument_version_publish",
    ),
    path(
        "instruments/<slug:code>/v<int:version>/export/",
        views.InstrumentVersionExportView.as_view(),
        name="instrument_version_export",
    ),
    path(
        "instruments/<slug:code>/v<int:version>/questions/<slug:question>/edit/",
        views.InstrumentQuestionUpdateView.as_view(),
        name="instrument_question_update",
    ),
    path(
        "instruments/<slug:code>/v<int:version>/sections/<slug:section>/edit/",
        views.InstrumentSectionUpdateView.as_view(),
        name="instrument_section_update",
    ),
    path("holidays/", views.PublicHolidayListView.as_view(), name="holiday_list"),
    path(
        "holidays/<int:pk>/delete/",
        views.PublicHolidayDeleteView.as_view(),
        name="holiday_delete",
    ),
]
