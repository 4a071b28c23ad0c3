"""Sign-in, account and organisation pages. Views are thin: forms check shape, services act."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from accounts import forms, selectors, services, two_factor
from accounts.assignments import assignment_kinds_for
from accounts.models import Assignment, Membership, Organisation, User
from core.exceptions import ApplicationError
from core.services import audit_record
from core.views import ProjectPermissionMixin


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """Password first; then the security code (or set-up) for those who need the second factor."""

    template_name = "accounts/sign_in.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        # A fresh password sign-in never inherits a second factor passed earlier in the session.
        self.request.session.pop(DEVICE_ID_SESSION_KEY, None)
        return super().form_valid(form)

    def get_success_url(self):
        url = super().get_success_url()
        user = self.request.user
        if two_factor.is_verified(user):
            return url
        if two_factor.two_factor_enrolled(user):
            return _with_next("accounts:two_factor_verify", url)
        if two_factor.two_factor_required(user):
            return _with_next("accounts:two_factor_enrol", url)
        return url


class SignOutView(auth_views.LogoutView):
    pass


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = forms.ResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(login_not_required, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    form_class = forms.ChangePasswordForm
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        # Django keeps this session (update_session_auth_hash) and ends every other session of
        # the person, whose stored password hash no longer matches.
        response = super().form_valid(form)
        audit_record(
            action="password_changed",
            actor=self.request.user,
            obj=self.request.user,
            request=self.request,
        )
        messages.success(self.request, "Your password has been changed.")
        return response


class AccountView(TemplateView):
    template_name = "accounts/account.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = self.request.user.memberships.filter(
            is_active=True
        ).select_related("organisation")
        context["assignments"] = selectors.assignments_of(user=self.request.user)
        user = self.request.user
        context["two_factor_enrolled"] = two_factor.two_factor_enrolled(user)
        context["two_factor_required"] = two_factor.two_factor_required(user)
        if context["two_factor_enrolled"]:
            context["recovery_codes_remaining"] = two_factor.recovery_codes_remaining(user)
        return context


class OrganisationListView(ProjectPermissionMixin, ListView):
    permission_required = "accounts.view_organisation_list"
    template_name = "accounts/organisation_list.html"

    def get_queryset(self):
        return selectors.organisation_list_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = {}
        for organisation in context["object_list"]:
            groups.setdefault(organisation.get_kind_display(), []).append(organisation)
        context["groups"] = groups
        return context


class OrganisationScopedMixin(ProjectPermissionMixin):
    """Find the organisation among those the person may see: anyone else gets a 404."""

    def get_organisation(self) -> Organisation:
        if not hasattr(self, "_organisation"):
            self._organisation = get_object_or_404(
                selectors.organisation_list_visible_to(user=self.request.user),
                slug=self.kwargs["slug"],
            )
        return self._organisation

    def get_permission_object(self):
        return self.get_organisation()


class OrganisationDetailView(OrganisationScopedMixin, DetailView):
    permission_required = "accounts.view_organisation"
    template_name = "accounts/organisation_detail.html"
    context_object_name = "organisation"

    def get_object(self, queryset=None):
        return self.get_organisation()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.object
        user = self.request.user
        if user.has_perm("accounts.view_organisation_members", organisation):
            context["members"] = selectors.organisation_members(organisation=organisation)
        context["can_manage"] = user.has_perm("accounts.manage_people")
        if context["can_manage"] and "members" in context:
            context["two_factor_user_ids"] = two_factor.two_factor_user_ids(
                user_ids=[m.user_id for m in context["members"]]
            )
        context["assignments"] = selectors.assignments_for(target=organisation)
        context["assignment_kinds"] = assignment_kinds_for("accounts.organisation")
        return context


class MembershipAddView(OrganisationScopedMixin, FormView):
    permission_required = "accounts.manage_people"
    template_name = "accounts/membership_form.html"
    form_class = forms.MembershipAddForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisation": self.get_organisation()}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "organisation": self.get_organisation()}

    def form_valid(self, form):
        organisation = self.get_organisation()
        data = form.cleaned_data
        try:
            user = User.objects.filter(email__iexact=data["email"]).first()
            created = user is None
            if created:
                user = services.user_create(
                    email=data["email"], name=data["name"], by=self.request.user
                )
            services.membership_create(
                user=user,
                organisation=organisation,
                role=data["role"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        if created:
            _send_invitation(self.request, user)
        messages.success(self.request, f"{user.name} has been added to {organisation.name}.")
        return redirect("accounts:organisation_detail", slug=organisation.slug)


def _send_invitation(request, user: User) -> None:
    services.user_send_invitation(user=user, base_url=request.build_absolute_uri("/")[:-1])


class MembershipScopedMixin(OrganisationScopedMixin):
    def get_membership(self) -> Membership:
        return get_object_or_404(
            Membership, pk=self.kwargs["pk"], organisation=self.get_organisation(), is_active=True
        )


class MembershipRoleView(MembershipScopedMixin, FormView):
    permission_required = "accounts.manage_people"
    template_name = "accounts/membership_role_form.html"
    form_class = forms.MembershipRoleForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisation": self.get_organisation()}

    def get_initial(self):
        return {"role": self.get_membership().role}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "organisation": self.get_organisation(),
            "membership": self.get_membership(),
        }

    def form_valid(self, form):
        membership = self.get_membership()
        try:
            services.membership_change_role(
                membership=membership,
                role=form.cleaned_data["role"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            form.add_error("role", error.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{membership.user.name}’s role has been changed.")
        return redirect("accounts:organisation_detail", slug=self.get_organisation().slug)


class MembershipEndView(MembershipScopedMixin, TemplateView):
    permission_required = "accounts.manage_people"
    template_name = "accounts/membership_confirm_end.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "organisation": self.get_organisation(),
            "membership": self.get_membership(),
        }

    def post(self, request, *args, **kwargs):
        membership = self.get_membership()
        services.membership_end(membership=membership, by=request.user, request=request)
        messages.success(request, f"{membership.user.name} no longer holds that role.")
        return redirect("accounts:organisation_detail", slug=self.get_organisation().slug)


class OrganisationAssignmentAddView(OrganisationScopedMixin, FormView):
    """Assign a person to an organisation-level piece of work (e.g. link inspector)."""

    permission_required = "accounts.manage_people"
    template_name = "accounts/assignment_form.html"
    form_class = forms.AssignmentAddForm

    def get_kind(self):
        kinds = {k.code: k for k in assignment_kinds_for("accounts.organisation")}
        if self.kwargs["kind"] not in kinds:
            raise Http404
        return kinds[self.kwargs["kind"]]

    def get_form_kwargs(self):
        kind = self.get_kind()
        users = User.objects.filter(
            is_active=True, memberships__is_active=True, memberships__role__in=kind.roles
        ).distinct()
        return {**super().get_form_kwargs(), "users": users, "label": kind.label}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "organisation": self.get_organisation(),
            "kind": self.get_kind(),
        }

    def form_valid(self, form):
        organisation = self.get_organisation()
        try:
            services.assignment_create(
                user=form.cleaned_data["user"],
                kind=self.get_kind().code,
                target=organisation,
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            form.add_error("user", error.message)
            return self.form_invalid(form)
        messages.success(self.request, "The assignment has been made.")
        return redirect("accounts:organisation_detail", slug=organisation.slug)


class OrganisationAssignmentEndView(OrganisationScopedMixin, TemplateView):
    permission_required = "accounts.manage_people"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        organisation = self.get_organisation()
        assignment = get_object_or_404(
            selectors.assignments_for(target=organisation), pk=self.kwargs["pk"]
        )
        services.assignment_end(assignment=assignment, by=request.user, request=request)
        messages.success(request, f"{assignment} has ended.")
        return HttpResponseRedirect(
            reverse("accounts:organisation_detail", kwargs={"slug": organisation.slug})
        )


# --- Two-factor authentication ----------------------------------------------------------------

NEW_RECOVERY_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


def _next_url(request) -> str:
    """Return the safe `next` address of the request, or the home page."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@method_decorator(never_cache, name="dispatch")
class TwoFactorVerifyView(FormView):
    """The second step of signing in: a code from the authenticator app or a recovery code."""

    template_name = "accounts/two_factor_verify.html"
    form_class = forms.SecurityCodeForm
    recovery = False

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)  # LoginRequiredMiddleware acts
        if two_factor.is_verified(user):
            return redirect(_next_url(request))
        if not two_factor.two_factor_enrolled(user):
            if two_factor.two_factor_required(user):
                return redirect(_with_next("accounts:two_factor_enrol", _next_url(request)))
            return redirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "recovery": self.recovery}

    def get_context_data(self, **kwargs):
        # No service navigation: its pages stay out of reach until the code is entered.
        return {
            **super().get_context_data(**kwargs),
            "next": _next_url(self.request),
            "navigation": None,
        }

    def form_valid(self, form):
        try:
            result = two_factor.two_factor_verify(
                user=self.request.user, code=form.cleaned_data["code"], request=self.request
            )
        except ApplicationError as error:
            form.add_error("code", error.message)
            return self.form_invalid(form)
        otp_login(self.request, result.device)
        if result.used_recovery_code:
            messages.warning(
                self.request,
                f"You signed in with a recovery code. You have {result.recovery_codes_left} "
                "left: each works once. Get new codes from Your account.",
            )
        return redirect(_next_url(self.request))


class TwoFactorRecoveryView(TwoFactorVerifyView):
    recovery = True


@method_decorator(never_cache, name="dispatch")
class TwoFactorEnrolView(FormView):
    """Set up an authenticator app: scan a QR code or type the key, then confirm with a code."""

    template_name = "accounts/two_factor_enrol.html"
    form_class = forms.TwoFactorEnrolForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and two_factor.two_factor_enrolled(user):
            # Someone holding only the password must never be able to add an app of their own.
            if not two_factor.is_verified(user):
                return redirect(_with_next("accounts:two_factor_verify", _next_url(request)))
            messages.info(request, two_factor.ALREADY_ENROLLED)
            return redirect("accounts:account")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = two_factor.totp_device_create_unconfirmed(user=self.request.user)
        secret = two_factor.totp_secret(device)
        context.update(
            qr_code=two_factor.totp_qr_code_data_uri(device),
            secret=two_factor.secret_grouped(secret),
            required=two_factor.two_factor_required(self.request.user),
            next=_next_url(self.request),
        )
        if context["required"]:
            context["navigation"] = None  # every other page waits until set-up is done
        return context

    def form_valid(self, form):
        user = self.request.user
        device = two_factor.totp_device_of(user, confirmed=False)
        if device is None:
            return redirect(self.request.get_full_path())
        try:
            device = two_factor.totp_device_confirm(
                device=device, code=form.cleaned_data["code"], request=self.request
            )
        except ApplicationError as error:
            form.add_error("code", error.message)
            return self.form_invalid(form)
        otp_login(self.request, device)
        codes = two_factor.recovery_codes_generate(user=user, request=self.request)
        self.request.session[NEW_RECOVERY_CODES_SESSION_KEY] = codes
        return redirect(_with_next("accounts:two_factor_recovery_codes", _next_url(self.request)))


@method_decorator(never_cache, name="dispatch")
class RecoveryCodesView(TemplateView):
    """Show new recovery codes once; or offer to replace the codes a person has."""

    template_name = "accounts/two_factor_recovery_codes.html"

    def get(self, request, *args, **kwargs):
        codes = request.session.pop(NEW_RECOVERY_CODES_SESSION_KEY, None)
        if not codes and not two_factor.two_factor_enrolled(request.user):
            return redirect("accounts:account")
        return self.render_to_response(
            self.get_context_data(
                codes=codes,
                next=_next_url(request),
                remaining=two_factor.recovery_codes_remaining(request.user),
            )
        )

    def post(self, request, *args, **kwargs):
        if not two_factor.two_factor_enrolled(request.user):
            return redirect("accounts:account")
        codes = two_factor.recovery_codes_generate(user=request.user, request=request)
        request.session[NEW_RECOVERY_CODES_SESSION_KEY] = codes
        return redirect(_with_next("accounts:two_factor_recovery_codes", _next_url(request)))


class TwoFactorResetView(MembershipScopedMixin, TemplateView):
    """An administrator removes a person's two-factor devices (lost phone): confirm, then POST."""

    permission_required = "accounts.manage_people"
    template_name = "accounts/two_factor_confirm_reset.html"

    def get_context_data(self, **kwargs):
        membership = self.get_membership()
        return {
            **super().get_context_data(**kwargs),
            "organisation": self.get_organisation(),
            "membership": membership,
            "enrolled": two_factor.two_factor_enrolled(membership.user),
        }

    def post(self, request, *args, **kwargs):
        membership = self.get_membership()
        try:
            two_factor.two_factor_reset(user=membership.user, by=request.user, request=request)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"{membership.user.name}’s two-factor authentication has been reset. "
                "They will set it up again when they next sign in.",
            )
        return redirect("accounts:organisation_detail", slug=self.get_organisation().slug)


__all__ = ["Assignment"]
