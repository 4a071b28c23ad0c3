"""Pages for improvement plans.

Each view finds the plan among those the person may see (anyone else gets a 404), checks the
permission for what it does (403 when they may see but not do), and calls one service.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView, View

from core.exceptions import ApplicationError
from core.forms import add_service_errors
from core.uploads import UploadRejected, upload_refusal
from core.views import ProjectPermissionMixin
from improvement import forms, selectors, services
from improvement.models import ImprovementAction, ImprovementPlan, PlanElement
from inspections.views.common import inspection_or_404

PLAN_TAGS = {
    ImprovementPlan.Status.OPEN: "govuk-tag--yellow",
    ImprovementPlan.Status.CLOSED: "govuk-tag--green",
}
ELEMENT_TAGS = {
    PlanElement.Status.OPEN: "govuk-tag--grey",
    PlanElement.Status.ADDRESSED: "govuk-tag--green",
}
ACTION_TAGS = {
    ImprovementAction.Status.NOT_STARTED: "govuk-tag--grey",
    ImprovementAction.Status.IN_PROGRESS: "govuk-tag--blue",
    ImprovementAction.Status.COMPLETE: "govuk-tag--green",
}


VIEW = "improvement.view_improvementplan"
EDIT = "improvement.edit_plan"
COMMENT = "improvement.comment_plan"
SIGN_OFF = "improvement.sign_off_element"
ASSIGN = "improvement.assign_link_inspector"


class PlanMixin(ProjectPermissionMixin):
    """Views whose URL names the plan: 404 unless the person may see it."""

    permission_required = VIEW

    def get_plan(self) -> ImprovementPlan:
        if not hasattr(self, "_plan"):
            self._plan = get_object_or_404(
                selectors.plan_list_visible_to(user=self.request.user), pk=self.kwargs["pk"]
            )
        return self._plan

    def get_permission_object(self):
        return self.get_plan()

    def plan_url(self) -> str:
        return reverse("improvement:plan_detail", args=[self.get_plan().pk])

    def get_context_data(self, **kwargs):
        plan = self.get_plan()
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "plan": plan,
            "inspection": plan.inspection,
            "authority": plan.inspection.activity.authority,
            "can_edit": user.has_perm(EDIT, plan),
            "can_comment": user.has_perm(COMMENT, plan),
            "can_sign_off": user.has_perm(SIGN_OFF, plan),
            "can_assign": user.has_perm(ASSIGN, plan),
        }


class ElementMixin(PlanMixin):
    """Views about one element of the plan, named in the URL (404 if not this plan's)."""

    def get_element(self) -> PlanElement:
        if not hasattr(self, "_element"):
            element = selectors.element_get(plan=self.get_plan(), pk=self.kwargs["element"])
            if element is None:
                raise Http404("No such element in this plan")
            self._element = element
        return self._element

    def element_url(self, anchor: str = "") -> str:
        url = reverse(
            "improvement:element_detail", args=[self.get_plan().pk, self.kwargs["element"]]
        )
        return f"{url}#{anchor}" if anchor else url

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "element": self.get_element()}


class ActionMixin(PlanMixin):
    """Views about one action of the plan, named in the URL (404 if not this plan's)."""

    permission_required = EDIT

    def get_action(self) -> ImprovementAction:
        if not hasattr(self, "_action"):
            action = selectors.action_get(plan=self.get_plan(), pk=self.kwargs["action"])
            if action is None:
                raise Http404("No such action in this plan")
            self._action = action
        return self._action

    def element_url(self) -> str:
        action = self.get_action()
        url = reverse("improvement:element_detail", args=[self.get_plan().pk, action.element_id])
        return f"{url}#actions"

    def get_context_data(self, **kwargs):
        action = self.get_action()
        return {**super().get_context_data(**kwargs), "action": action, "element": action.element}


# --- The list and the plan page ------------------------------------------------------------------


class PlanListView(ProjectPermissionMixin, ListView):
    permission_required = "improvement.view_plan_list"
    template_name = "improvement/plan_list.html"
    context_object_name = "plans"

    def get_queryset(self):
        return selectors.plan_list_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for plan in context["plans"]:
            plan.status_tag = PLAN_TAGS.get(plan.status, "")
        return context


class PlanDetailView(PlanMixin, TemplateView):
    template_name = "improvement/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = context["plan"]
        elements = selectors.plan_elements(plan=plan)
        for element in elements:
            element.status_tag = ELEMENT_TAGS.get(element.status, "")
        context.update(
            elements=elements,
            progress=selectors.plan_progress(elements=elements),
            plan_tag=PLAN_TAGS.get(plan.status, ""),
            link_inspector=selectors.link_inspector_of(plan=plan),
        )
        return context


class LinkInspectorAssignView(PlanMixin, FormView):
    permission_required = ASSIGN
    template_name = "improvement/link_inspector_form.html"
    form_class = forms.LinkInspectorForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "people": selectors.link_inspector_candidates()}

    def get_initial(self):
        current = selectors.link_inspector_of(plan=self.get_plan())
        return {"user": current.pk} if current else {}

    def form_valid(self, form):
        user = form.cleaned_data["user"]
        try:
            services.link_inspector_assign(
                plan=self.get_plan(), user=user, by=self.request.user, request=self.request
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{user.name} is now the link inspector.")
        return redirect(self.plan_url())


# --- One element: the authority's actions and the inspectors' side -------------------------------


class ElementDetailView(ElementMixin, TemplateView):
    template_name = "improvement/element_detail.html"

    def get_element(self) -> PlanElement:
        # The element with its actions, updates and comments (plan_elements' prefetches).
        if not hasattr(self, "_element"):
            pk = self.kwargs["element"]
            found = [e for e in selectors.plan_elements(plan=self.get_plan()) if e.pk == pk]
            if not found:
                raise Http404("No such element in this plan")
            self._element = found[0]
        return self._element

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, element = context["plan"], context["element"]
        element.status_tag = ELEMENT_TAGS.get(element.status, "")
        for action in element.actions.all():
            action.status_tag = ACTION_TAGS.get(action.status, "")
        context.update(
            editable=plan.status == ImprovementPlan.Status.OPEN
            and element.status == PlanElement.Status.OPEN,
            comment_form=forms.CommentForm() if context["can_comment"] else None,
        )
        return context


class ActionCreateView(ElementMixin, FormView):
    permission_required = EDIT
    template_name = "improvement/action_form.html"
    form_class = forms.ActionForm

    def form_valid(self, form):
        try:
            services.action_create(
                element=self.get_element(), by=self.request.user, request=self.request,
                **form.cleaned_data,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The action has been added to the plan.")
        return redirect(self.element_url("actions"))


class CommentCreateView(ElementMixin, FormView):
    permission_required = COMMENT
    template_name = "improvement/comment_form.html"
    form_class = forms.CommentForm

    def form_valid(self, form):
        try:
            services.element_comment_add(
                element=self.get_element(), body=form.cleaned_data["body"],
                by=self.request.user, request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your comment has been added.")
        return redirect(self.element_url("comments"))


class ElementAddressView(ElementMixin, FormView):
    permission_required = SIGN_OFF
    template_name = "improvement/element_address.html"
    form_class = forms.AddressForm

    def form_valid(self, form):
        try:
            element = services.element_mark_addressed(
                element=self.get_element(), comment=form.cleaned_data["comment"],
                by=self.request.user, request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        message = f"{element} is marked as addressed."
        if element.plan.status == ImprovementPlan.Status.CLOSED:
            message += (
                " Every element has now been addressed, so the improvement plan and the "
                "inspection are closed."
            )
        messages.success(self.request, message)
        return redirect(self.element_url())


class ElementReopenView(ElementMixin, FormView):
    permission_required = SIGN_OFF
    template_name = "improvement/element_reopen.html"
    form_class = forms.ReopenForm

    def form_valid(self, form):
        try:
            element = services.element_reopen(
                element=self.get_element(), reason=form.cleaned_data["reason"],
                by=self.request.user, request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{element} has been reopened.")
        return redirect(self.element_url())


# --- One action: changing it and recording progress ----------------------------------------------


class ActionUpdateView(ActionMixin, FormView):
    template_name = "improvement/action_form.html"
    form_class = forms.ActionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "with_status": True}

    def get_initial(self):
        action = self.get_action()
        return {
            "description": action.description,
            "owner_name": action.owner_name,
            "owner_email": action.owner_email,
            "due_date": action.due_date,
            "status": action.status,
            "version": action.version,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.action_update(
                action=self.get_action(), description=data["description"],
                owner_name=data["owner_name"], owner_email=data["owner_email"],
                due_date=data["due_date"], status=data["status"],
                expected_version=data.get("version"), by=self.request.user,
                request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            if error.extra.get("stale"):
                # Show the action as it is now, with the reason the change was not saved.
                messages.error(self.request, error.message)
                return redirect(self.request.path)
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The action has been changed.")
        return redirect(self.element_url())


class ProgressUpdateCreateView(ActionMixin, FormView):
    template_name = "improvement/progressupdate_form.html"
    form_class = forms.ProgressUpdateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "upload_refused": upload_refusal(self.request)}

    def form_valid(self, form):
        try:
            services.progress_update_add(
                action=self.get_action(), text=form.cleaned_data["text"],
                file=form.cleaned_data.get("file") or None, by=self.request.user,
                request=self.request,
            )  # fmt: skip
        except UploadRejected as error:
            form.add_upload_error(error)
            return self.form_invalid(form)
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your progress update has been added.")
        return redirect(self.element_url())


# --- Opening a plan ------------------------------------------------------------------------------


class PlanOpenView(ProjectPermissionMixin, View):
    """Open the plan of a published inspection (publication usually opens it by itself)."""

    permission_required = "inspections.manage_inspection"
    http_method_names = ["post"]

    def get_permission_object(self):
        if not hasattr(self, "_inspection"):
            self._inspection = inspection_or_404(self.request.user, self.kwargs["inspection"])
        return self._inspection

    def post(self, request, *args, **kwargs):
        inspection = self.get_permission_object()
        try:
            plan = services.improvement_plan_open(
                inspection=inspection, by=request.user, request=request
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("inspections:inspection_detail", pk=inspection.pk)
        return redirect("improvement:plan_detail", pk=plan.pk)
