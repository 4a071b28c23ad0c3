from django.urls import path

from core.uploads import upload_limit
from partnerships import views

app_name = "partnerships"

urlpatterns = [
    path("", views.ExerciseListView.as_view(), name="exercise_list"),
    path("new/", views.ExerciseCreateView.as_view(), name="exercise_create"),
    path("<int:pk>/", views.ExerciseDetailView.as_view(), name="exercise_detail"),
    path("<int:pk>/move/", views.ExerciseTransitionView.as_view(), name="exercise_transition"),
    path("<int:pk>/submit/", views.ExerciseSubmitView.as_view(), name="exercise_submit"),
    path(
        "<int:pk>/request-changes/",
        views.RequestChangesView.as_view(),
        name="exercise_request_changes",
    ),
    path("<int:pk>/partners/", views.PartnerCreateView.as_view(), name="partner_create"),
    path("<int:pk>/sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("<int:pk>/follow-ups/new/", views.FollowUpCreateView.as_view(), name="followup_create"),
    path("<int:pk>/conclusion/", views.ConclusionView.as_view(), name="exercise_conclusion"),
    path("<int:pk>/letter/publish/", views.LetterPublishView.as_view(), name="letter_publish"),
    path("<int:pk>/letter/reopen/", views.LetterReopenView.as_view(), name="letter_reopen"),
    path("<int:pk>/feedback/send/", views.FeedbackRequestSendView.as_view(), name="feedback_send"),
    path("<int:pk>/qis/<int:qi>/", views.QIDetailView.as_view(), name="qi_detail"),
    path(
        "<int:pk>/qis/<int:qi>/evidence/",
        upload_limit("evidence")(views.EvidenceUploadView.as_view()),
        name="evidence_create",
    ),
    path(
        "<int:pk>/qis/<int:qi>/comments/", views.CommentCreateView.as_view(), name="comment_create"
    ),
    path(
        "<int:pk>/qis/<int:qi>/uncertainties/",
        views.UncertaintyCreateView.as_view(),
        name="uncertainty_create",
    ),
    path("<int:pk>/qis/<int:qi>/decision/", views.DecisionView.as_view(), name="qi_decision"),
]
