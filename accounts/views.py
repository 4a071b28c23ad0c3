"""Sign-in, account and organisation pages. Views are thin: forms check shape, services act."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.generic import DetailView, FormView, ListView, TemplateView

from accounts import forms, selectors, services
from accounts.assignments import assignment_kinds_for
from accounts.models import Assignment, Membership, Organisation, User
from core.exceptions import ApplicationError
from core.views import ProjectPermissionMixin


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True


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
        response = super().form_valid(form)
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


__all__ = ["Assignment"]
