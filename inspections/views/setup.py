"""Views for inspections: set-up, lifecycle, team, fieldwork timetable and self-evaluation.

Each view finds the inspection among those the person may see (anyone else gets a 404), checks
the permission for what it does (403 when the person may see but not do), and calls one service.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.generic import FormView, ListView, TemplateView

from accounts.assignments import assignment_kind_label
from accounts.models import Role
from accounts.selectors import assignments_for, user_context
from core.exceptions import ApplicationError
from core.forms import add_service_errors
from core.uploads import UploadRejected, upload_limit, upload_refusal
from core.views import ProjectPermissionMixin
from inspections import selectors, services
from inspections.forms.setup import (
    FieldworkEventCancelForm,
    FieldworkEventForm,
    InspectionForm,
    InspectionQIsForm,
    InspectionTransitionForm,
    SelfAssessmentForm,
    SelfEvaluationDocumentForm,
    TeamAddForm,
)
from inspections.models import FieldworkEvent, Inspection, InspectionQI, SelfAssessment
from inspections.services.setup import (
    ALLOWED_TRANSITIONS,
    ATTENDEE_CATEGORIES,
    EVENT_FIELDS,
    INSPECTION_DATE_FIELDS,
    SELF_EVALUATION_OPEN,
    TEAM_KINDS,
)

STATUS_TAGS = {
    Inspection.Status.PLANNED: "govuk-tag--grey",
    Inspection.Status.SELF_EVALUATION: "govuk-tag--light-blue",
    Inspection.Status.FIELDWORK: "govuk-tag--blue",
    Inspection.Status.EVALUATION: "govuk-tag--purple",
    Inspection.Status.REPORTING: "govuk-tag--turquoise",
    Inspection.Status.PUBLISHED: "govuk-tag--green",
    Inspection.Status.IMPROVEMENT: "govuk-tag--yellow",
    Inspection.Status.CLOSED: "govuk-tag--grey",
}
EVENT_STATUS_TAGS = {
    FieldworkEvent.Status.PROPOSED: "govuk-tag--yellow",
    FieldworkEvent.Status.AGREED: "govuk-tag--blue",
    FieldworkEvent.Status.COMPLETED: "govuk-tag--green",
    FieldworkEvent.Status.CANCELLED: "govuk-tag--grey",
}
ATTENDEE_LABELS = dict(ATTENDEE_CATEGORIES)


class InspectionScopedMixin(ProjectPermissionMixin):
    """Find the inspection among those the person may see; check permissions against it."""

    def get_inspection(self) -> Inspection:
        if not hasattr(self, "_inspection"):
            self._inspection = get_object_or_404(
                selectors.inspection_list_visible_to(user=self.request.user),
                pk=self.kwargs["pk"],
            )
        return self._inspection

    def get_permission_object(self):
        return self.get_inspection()

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        return {
            **super().get_context_data(**kwargs),
            "inspection": inspection,
            "status_tag": STATUS_TAGS.get(inspection.status, ""),
        }


# --- List, create, home --------------------------------------------------------------------------


class InspectionListView(ProjectPermissionMixin, ListView):
    permission_required = "inspections.view_inspection_list"
    template_name = "inspections/inspection_list.html"
    context_object_name = "inspections"
    paginate_by = 50

    def get_queryset(self):
        return selectors.inspection_list_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create"] = self.request.user.has_perm("inspections.create_inspection")
        for inspection in context["inspections"]:
            inspection.status_tag = STATUS_TAGS.get(inspection.status, "")
        return context


class InspectionCreateView(ProjectPermissionMixin, FormView):
    permission_required = "inspections.create_inspection"
    template_name = "inspections/inspection_form.html"
    form_class = InspectionForm

    def get_initial(self):
        if user_context(self.request.user).has_role(Role.INSPECTOR):
            return {"lead": self.request.user.pk}
        return {}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            inspection = services.inspection_create(
                authority=data.pop("authority"),
                lead=data.pop("lead"),
                by=self.request.user,
                request=self.request,
                **data,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"“{inspection.title}” has been set up.")
        self.request.user.refresh_from_db()  # forgets the permission cache: now maybe the lead
        if self.request.user.has_perm("inspections.view_inspection", inspection):
            return redirect("inspections:inspection_detail", pk=inspection.pk)
        return redirect("inspections:inspection_list")


class InspectionDetailView(InspectionScopedMixin, TemplateView):
    """The inspection's home: key dates, status, lifecycle actions and the task list."""

    permission_required = "inspections.view_inspection"
    template_name = "inspections/inspection_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = context["inspection"]
        user = self.request.user
        context["tasks"] = selectors.inspection_tasks(inspection=inspection, user=user)
        context["moves"] = selectors.inspection_moves_for(inspection=inspection, user=user)
        context["lead"] = assignments_for(target=inspection.activity).filter(kind="lead_inspector")
        context["qis"] = inspection.qis.select_related("quality_indicator")
        context["can_manage"] = user.has_perm("inspections.manage_inspection", inspection)
        return context


class InspectionUpdateView(InspectionScopedMixin, FormView):
    permission_required = "inspections.manage_inspection"
    template_name = "inspections/inspection_form.html"
    form_class = InspectionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "create": False}

    def get_initial(self):
        inspection = self.get_inspection()
        return {
            name: getattr(inspection, name)
            for name in ("title", "governance", *INSPECTION_DATE_FIELDS)
        }

    def form_valid(self, form):
        try:
            services.inspection_update(
                inspection=self.get_inspection(),
                by=self.request.user,
                request=self.request,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The inspection’s details have been saved.")
        return redirect("inspections:inspection_detail", pk=self.kwargs["pk"])


class InspectionQIsView(InspectionScopedMixin, FormView):
    """The QIs in scope: the team reads them; the lead and managers change them."""

    permission_required = "inspections.view_inspection"
    template_name = "inspections/inspection_qis.html"
    form_class = InspectionQIsForm

    def can_manage(self) -> bool:
        return self.request.user.has_perm("inspections.manage_inspection", self.get_inspection())

    def post(self, request, *args, **kwargs):
        if not self.can_manage():
            return self.handle_no_permission()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "framework": self.get_inspection().activity.framework,
        }

    def get_initial(self):
        rows = list(self.get_inspection().qis.all())
        return {
            "reported": [r.quality_indicator_id for r in rows],
            "evaluated": [r.quality_indicator_id for r in rows if r.evaluated],
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = self.can_manage()
        context["qis"] = self.get_inspection().qis.select_related("quality_indicator")
        return context

    def form_valid(self, form):
        try:
            services.inspection_set_qis(
                inspection=self.get_inspection(),
                reported=form.cleaned_data["reported"],
                evaluated=form.cleaned_data["evaluated"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The QIs in scope have been saved.")
        return redirect("inspections:inspection_detail", pk=self.kwargs["pk"])


class InspectionTransitionView(InspectionScopedMixin, FormView):
    """Move the inspection along its lifecycle; a move back asks for the reason first."""

    permission_required = "inspections.manage_inspection"
    template_name = "inspections/inspection_transition.html"
    form_class = InspectionTransitionForm

    def requested(self) -> str:
        return self.request.POST.get("to") or self.request.GET.get("to") or ""

    def get_move(self):
        inspection = self.get_inspection()
        moves = selectors.inspection_moves_for(inspection=inspection, user=self.request.user)
        return next((m for m in moves if m.to == self.requested()), None)

    def get(self, request, *args, **kwargs):
        if self.get_move() is None:
            return self._refuse()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.get_move() is None:
            return self._refuse()
        return super().post(request, *args, **kwargs)

    def _refuse(self):
        inspection = self.get_inspection()
        to = self.requested()
        if to in ALLOWED_TRANSITIONS.get(inspection.status, ()):
            return self.handle_no_permission()  # a legal move, but not this person's to make
        try:
            services.inspection_transition(inspection=inspection, to=to, by=self.request.user)
        except ApplicationError as error:
            messages.error(self.request, error.message)
        return redirect("inspections:inspection_detail", pk=inspection.pk)

    def get_initial(self):
        return {"to": self.requested()}

    def get_form_kwargs(self):
        move = self.get_move()
        return {
            **super().get_form_kwargs(),
            "button": move.label if move else "Confirm",
            "with_reason": bool(move and move.backward),
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "move": self.get_move()}

    def form_valid(self, form):
        inspection = self.get_inspection()
        try:
            inspection = services.inspection_transition(
                inspection=inspection,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data.get("reason", ""),
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"The inspection is now at: {inspection.get_status_display().lower()}."
        )
        return redirect("inspections:inspection_detail", pk=inspection.pk)


# --- Team ----------------------------------------------------------------------------------------


class TeamView(InspectionScopedMixin, TemplateView):
    permission_required = "inspections.view_inspection"
    template_name = "inspections/inspection_team.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = context["inspection"]
        team = selectors.inspection_team(inspection=inspection)
        context["groups"] = [
            {"kind": kind, "label": assignment_kind_label(kind), "members": members}
            for kind, members in team.items()
        ]
        context["can_manage"] = self.request.user.has_perm(
            "inspections.manage_inspection", inspection
        )
        return context


class TeamAddView(InspectionScopedMixin, FormView):
    permission_required = "inspections.manage_inspection"
    template_name = "inspections/inspection_team_add.html"
    form_class = TeamAddForm

    def get_kind(self) -> str:
        if self.kwargs["kind"] not in TEAM_KINDS:
            raise Http404
        return self.kwargs["kind"]

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "people": selectors.team_eligible_people(
                inspection=self.get_inspection(), kind=self.get_kind()
            ),
            "kind_label": assignment_kind_label(self.get_kind()),
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "kind_label": assignment_kind_label(self.get_kind()),
        }

    def form_valid(self, form):
        user = form.cleaned_data["user"]
        try:
            services.team_assign(
                inspection=self.get_inspection(),
                user=user,
                kind=self.get_kind(),
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            form.add_error("user", error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{user.name} has been added as {assignment_kind_label(self.get_kind()).lower()}.",
        )
        return redirect("inspections:inspection_team", pk=self.kwargs["pk"])


class TeamRemoveView(InspectionScopedMixin, TemplateView):
    permission_required = "inspections.manage_inspection"
    template_name = "inspections/inspection_team_remove.html"

    def get_assignment(self):
        return get_object_or_404(
            assignments_for(target=self.get_inspection().activity).filter(kind__in=TEAM_KINDS),
            pk=self.kwargs["assignment_pk"],
        )

    def get_context_data(self, **kwargs):
        assignment = self.get_assignment()
        return {
            **super().get_context_data(**kwargs),
            "assignment": assignment,
            "kind_label": assignment_kind_label(assignment.kind),
        }

    def post(self, request, *args, **kwargs):
        assignment = self.get_assignment()
        try:
            services.team_remove(
                inspection=self.get_inspection(),
                assignment=assignment,
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"{assignment.user.name} is no longer "
                f"{assignment_kind_label(assignment.kind).lower()}.",
            )
        return redirect("inspections:inspection_team", pk=self.kwargs["pk"])


# --- Fieldwork timetable -------------------------------------------------------------------------


class FieldworkEventListView(InspectionScopedMixin, TemplateView):
    permission_required = "inspections.view_inspection"
    template_name = "inspections/fieldworkevent_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = context["inspection"]
        events = list(selectors.fieldwork_events_of(inspection=inspection))
        # Once an event is completed its notes record what people said: inspectors' evidence,
        # not for the inspected authority's own staff.
        sees_outcomes = self.request.user.has_perm("inspections.view_interviews", inspection)
        for event in events:
            event.attendee_labels = [ATTENDEE_LABELS.get(a, a) for a in event.attendees]
            event.status_tag = EVENT_STATUS_TAGS.get(event.status, "")
            event.visible_notes = (
                event.notes
                if sees_outcomes or event.status != FieldworkEvent.Status.COMPLETED
                else ""
            )
        context["events"] = events
        context["can_change"] = self.request.user.has_perm(
            "inspections.change_timetable", inspection
        )
        return context


class FieldworkEventScopedMixin(InspectionScopedMixin):
    permission_required = "inspections.change_timetable"

    def get_event(self) -> FieldworkEvent:
        return get_object_or_404(
            FieldworkEvent, pk=self.kwargs["event_pk"], activity=self.get_inspection().activity
        )


class FieldworkEventCreateView(InspectionScopedMixin, FormView):
    permission_required = "inspections.change_timetable"
    template_name = "inspections/fieldworkevent_form.html"
    form_class = FieldworkEventForm

    def form_valid(self, form):
        try:
            services.fieldwork_event_create(
                inspection=self.get_inspection(),
                by=self.request.user,
                request=self.request,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The event has been added to the timetable.")
        return redirect("inspections:fieldworkevent_list", pk=self.kwargs["pk"])


class FieldworkEventUpdateView(FieldworkEventScopedMixin, FormView):
    template_name = "inspections/fieldworkevent_form.html"
    form_class = FieldworkEventForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "button": "Save event"}

    def get_initial(self):
        event = self.get_event()
        return {name: getattr(event, name) for name in EVENT_FIELDS}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "event": self.get_event()}

    def form_valid(self, form):
        try:
            services.fieldwork_event_update(
                event=self.get_event(),
                by=self.request.user,
                request=self.request,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The event has been saved.")
        return redirect("inspections:fieldworkevent_list", pk=self.kwargs["pk"])


class FieldworkEventCancelView(FieldworkEventScopedMixin, FormView):
    template_name = "inspections/fieldworkevent_confirm_cancel.html"
    form_class = FieldworkEventCancelForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "event": self.get_event()}

    def form_valid(self, form):
        try:
            services.fieldwork_event_cancel(
                event=self.get_event(),
                reason=form.cleaned_data["reason"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            messages.error(self.request, error.message)
        else:
            messages.success(self.request, "The event has been cancelled.")
        return redirect("inspections:fieldworkevent_list", pk=self.kwargs["pk"])


# --- Self-evaluation -----------------------------------------------------------------------------


class SelfAssessmentListView(InspectionScopedMixin, FormView):
    """The authority's self-evaluation: a grade and narrative per QI, and its documents."""

    permission_required = "inspections.view_self_evaluation"
    template_name = "inspections/selfassessment_list.html"
    form_class = SelfEvaluationDocumentForm

    def can_change(self) -> bool:
        return self.request.user.has_perm(
            "inspections.change_self_evaluation", self.get_inspection()
        )

    def post(self, request, *args, **kwargs):
        return self.http_method_not_allowed(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        inspection = context["inspection"]
        context["rows"] = selectors.self_evaluation_rows(inspection=inspection)
        context["documents"] = selectors.self_evaluation_documents(inspection=inspection)
        context["can_change"] = self.can_change()
        context["is_open"] = inspection.status in SELF_EVALUATION_OPEN
        context["scale"] = {
            level.value: level for level in inspection.activity.framework.scale.all()
        }
        return context


@method_decorator(upload_limit("evidence"), name="dispatch")
class SelfEvaluationDocumentUploadView(SelfAssessmentListView):
    permission_required = "inspections.change_self_evaluation"
    http_method_names = ["post"]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "upload_refused": upload_refusal(self.request)}

    def post(self, request, *args, **kwargs):
        return FormView.post(self, request, *args, **kwargs)

    def form_valid(self, form):
        try:
            stored = services.self_evaluation_document_upload(
                inspection=self.get_inspection(),
                file=form.cleaned_data["file"],
                by=self.request.user,
                request=self.request,
            )
        except UploadRejected as error:
            form.add_upload_error(error)
            return self.form_invalid(form)
        messages.success(self.request, f"“{stored.safe_name}” has been uploaded.")
        return redirect("inspections:selfassessment_list", pk=self.kwargs["pk"])


class SelfAssessmentUpdateView(InspectionScopedMixin, FormView):
    permission_required = "inspections.change_self_evaluation"
    template_name = "inspections/selfassessment_form.html"
    form_class = SelfAssessmentForm

    def get_scope(self) -> InspectionQI:
        return get_object_or_404(
            InspectionQI.objects.select_related("quality_indicator"),
            inspection=self.get_inspection(),
            quality_indicator__code=self.kwargs["code"],
        )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "scale": self.get_inspection().activity.framework.scale.all(),
        }

    def get_initial(self):
        scope = self.get_scope()
        assessment = SelfAssessment.objects.filter(
            inspection=scope.inspection, quality_indicator=scope.quality_indicator
        ).first()
        if assessment is None:
            return {}
        return {"grade": assessment.grade, "narrative": assessment.narrative}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "scope": self.get_scope()}

    def form_valid(self, form):
        scope = self.get_scope()
        try:
            services.self_assessment_save(
                inspection=self.get_inspection(),
                qi=scope.quality_indicator,
                grade=form.cleaned_data["grade"],
                narrative=form.cleaned_data["narrative"],
                by=self.request.user,
                request=self.request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Your self-evaluation of {scope.quality_indicator.code} has been saved."
        )
        return redirect(
            reverse("inspections:selfassessment_list", kwargs={"pk": self.kwargs["pk"]})
            + f"#qi-{scope.quality_indicator.code.replace('.', '-')}"
        )


urlpatterns = [
    path("", InspectionListView.as_view(), name="inspection_list"),
    path("new/", InspectionCreateView.as_view(), name="inspection_create"),
    path("<int:pk>/", InspectionDetailView.as_view(), name="inspection_detail"),
    path("<int:pk>/edit/", InspectionUpdateView.as_view(), name="inspection_update"),
    path("<int:pk>/qis/", InspectionQIsView.as_view(), name="inspection_qis"),
    path("<int:pk>/status/", InspectionTransitionView.as_view(), name="inspection_transition"),
    path("<int:pk>/team/", TeamView.as_view(), name="inspection_team"),
    path("<int:pk>/team/add/<slug:kind>/", TeamAddView.as_view(), name="inspection_team_add"),
    path(
        "<int:pk>/team/<int:assignment_pk>/remove/",
        TeamRemoveView.as_view(),
        name="inspection_team_remove",
    ),
    path("<int:pk>/timetable/", FieldworkEventListView.as_view(), name="fieldworkevent_list"),
    path(
        "<int:pk>/timetable/new/",
        FieldworkEventCreateView.as_view(),
        name="fieldworkevent_create",
    ),
    path(
        "<int:pk>/timetable/<int:event_pk>/edit/",
        FieldworkEventUpdateView.as_view(),
        name="fieldworkevent_update",
    ),
    path(
        "<int:pk>/timetable/<int:event_pk>/cancel/",
        FieldworkEventCancelView.as_view(),
        name="fieldworkevent_cancel",
    ),
    path("<int:pk>/self-evaluation/", SelfAssessmentListView.as_view(), name="selfassessment_list"),
    path(
        "<int:pk>/self-evaluation/documents/",
        SelfEvaluationDocumentUploadView.as_view(),
        name="selfassessment_upload",
    ),
    path(
        "<int:pk>/self-evaluation/<str:code>/",
        SelfAssessmentUpdateView.as_view(),
        name="selfassessment_update",
    ),
]
