from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign_out"),
    path(
        "sign-in/security-code/",
        views.TwoFactorVerifyView.as_view(),
        name="two_factor_verify",
    ),
    path(
        "sign-in/recovery-code/",
        views.TwoFactorRecoveryView.as_view(),
        name="two_factor_recovery",
    ),
    path("two-factor/set-up/", views.TwoFactorEnrolView.as_view(), name="two_factor_enrol"),
    path(
        "two-factor/recovery-codes/",
        views.RecoveryCodesView.as_view(),
        name="two_factor_recovery_codes",
    ),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", views.AccountView.as_view(), name="account"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path(
        "organisations/<slug:slug>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path(
        "organisations/<slug:slug>/people/add/",
        views.MembershipAddView.as_view(),
        name="membership_add",
    ),
    path(
        "organisations/<slug:slug>/people/<int:pk>/role/",
        views.MembershipRoleView.as_view(),
        name="membership_role",
    ),
    path(
        "organisations/<slug:slug>/people/<int:pk>/end/",
        views.MembershipEndView.as_view(),
        name="membership_end",
    ),
    path(
        "organisations/<slug:slug>/people/<int:pk>/two-factor/reset/",
        views.TwoFactorResetView.as_view(),
        name="two_factor_reset",
    ),
    path(
        "organisations/<slug:slug>/assignments/<slug:kind>/add/",
        views.OrganisationAssignmentAddView.as_view(),
        name="assignment_add",
    ),
    path(
        "organisations/<slug:slug>/assignments/<int:pk>/end/",
        views.OrganisationAssignmentEndView.as_view(),
        name="assignment_end",
    ),
]
