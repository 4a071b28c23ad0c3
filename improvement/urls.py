from django.urls import path

from core.uploads import upload_limit
from improvement import views

app_name = "improvement"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("open/<int:inspection>/", views.PlanOpenView.as_view(), name="plan_open"),
    path("<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path(
        "<int:pk>/link-inspector/",
        views.LinkInspectorAssignView.as_view(),
        name="link_inspector_assign",
    ),
    path(
        "<int:pk>/elements/<int:element>/",
        views.ElementDetailView.as_view(),
        name="element_detail",
    ),
    path(
        "<int:pk>/elements/<int:element>/actions/new/",
        views.ActionCreateView.as_view(),
        name="action_create",
    ),
    path(
        "<int:pk>/elements/<int:element>/comments/",
        views.CommentCreateView.as_view(),
        name="comment_create",
    ),
    path(
        "<int:pk>/elements/<int:element>/address/",
        views.ElementAddressView.as_view(),
        name="element_address",
    ),
    path(
        "<int:pk>/elements/<int:element>/reopen/",
        views.ElementReopenView.as_view(),
        name="element_reopen",
    ),
    path(
        "<int:pk>/actions/<int:action>/edit/",
        views.ActionUpdateView.as_view(),
        name="action_update",
    ),
    path(
        "<int:pk>/actions/<int:action>/updates/new/",
        upload_limit("evidence")(views.ProgressUpdateCreateView.as_view()),
        name="progressupdate_create",
    ),
]
