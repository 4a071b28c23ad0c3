"""Pages for supported and validated self-evaluation.

Each view finds the exercise among those the person may see (anyone else gets a 404), checks
the permission for what it does (403 when they may see but not do), and calls one service.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView

from core.exceptions import ApplicationError
from core.forms import add_service_errors
from core.uploads import UploadRejected, upload_refusal
from core.views import ProjectPermissionMixin
from partnerships import forms, selectors, services
from partnerships.models import Answer, Exercise, ExerciseQI, UncertaintyArea
from qi_framework.selectors import illustrations_for

STATUS_TAGS = {
    Exercise.Status.SUPPORT: "govuk-tag--grey",
    Exercise.Status.DRAFTING: "govuk-tag--light-blue",
    Exercise.Status.SUBMITTED: "govuk-tag--blue",
    Exercise.Status.ANALYSIS: "govuk-tag--purple",
    Exercise.Status.FOLLOW_UP: "govuk-tag--turquoise",
    Exercise.Status.FEEDBACK: "govuk-tag--yellow",
    Exercise.Status.PUBLISHED: "govuk-tag--green",
}
QI_TAGS = {
    ExerciseQI.Status.DRAFTING: "govuk-tag--light-blue",
    ExerciseQI.Status.SUBMITTED: "govuk-tag--blue",
    ExerciseQI.Status.CHANGES_REQUESTED: "govuk-tag--orange",
    ExerciseQI.Status.DECIDED: "govuk-tag--green",
}
# The moves an inspector makes with a plain button on the exercise page.
BUTTON_MOVES = {
    Exercise.Status.SUPPORT: [(Exercise.Status.DRAFTING, "Start drafting")],
    Exercise.Status.SUBMITTED: [(Exercise.Status.ANALYSIS, "Start analysis")],
    Exercise.Status.ANALYSIS: [
        (Exercise.Status.FOLLOW_UP, "Start follow-up activities"),
        (Exercise.Status.FEEDBACK, "Move to feedback and decisions"),
    ],
    Exercise.Status.FOLLOW_UP: [(Exercise.Status.FEEDBACK, "Move to feedback and decisions")],
}


class ExerciseMixin(ProjectPermissionMixin):
    permission_required = "partnerships.view_exercise"

    def get_exercise(self) -> Exercise:
        if not hasattr(self, "_exercise"):
            self._exercise = get_object_or_404(
                selectors.exercise_list_visible_to(user=self.request.user), pk=self.kwargs["pk"]
            )
        return self._exercise

    def get_permission_object(self):
        return self.get_exercise()

    def exercise_url(self) -> str:
        return self.get_exercise().get_absolute_url()

    def get_context_data(self, **kwargs):
        exercise = self.get_exercise()
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "exercise": exercise,
            "status_tag": STATUS_TAGS.get(exercise.status, ""),
            "is_member": user.has_perm("partnerships.draft_exercise", exercise),
            "can_run": user.has_perm("partnerships.run_exercise", exercise),
            "can_validate": user.has_perm("partnerships.validate_exercise", exercise),
        }


class QIMixin(ExerciseMixin):
    def get_qi(self) -> ExerciseQI:
        if not hasattr(self, "_qi"):
            self._qi = get_object_or_404(
                selectors.exercise_qis(exercise=self.get_exercise()), pk=self.kwargs["qi"]
            )
            self._qi.exercise = self.get_exercise()
        return self._qi

    def qi_url(self) -> str:
        qi = self.get_qi()
        return reverse("partnerships:qi_detail", args=[qi.exercise_id, qi.pk])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "qi": self.get_qi()}


# --- Lists and the exercise page ---------------------------------------------------------------


class ExerciseListView(ProjectPermissionMixin, ListView):
    permission_required = "partnerships.view_exercise_list"
    template_name = "partnerships/exercise_list.html"
    context_object_name = "exercises"

    def get_queryset(self):
        return selectors.exercise_list_visible_to(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for exercise in context["exercises"]:
            exercise.status_tag = STATUS_TAGS.get(exercise.status, "")
        context["can_create"] = self.request.user.has_perm("partnerships.create_exercise")
        return context


class ExerciseCreateView(ProjectPermissionMixin, FormView):
    permission_required = "partnerships.create_exercise"
    template_name = "partnerships/exercise_form.html"
    form_class = forms.ExerciseForm

    def form_valid(self, form):
        from qi_framework.selectors import framework_current

        try:
            exercise = services.exercise_create(
                framework=framework_current(), by=self.request.user, request=self.request,
                **form.cleaned_data,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"“{exercise.title}” has been set up.")
        return redirect(exercise.get_absolute_url())


class ExerciseDetailView(ExerciseMixin, TemplateView):
    template_name = "partnerships/exercise_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        exercise = context["exercise"]
        qis = list(selectors.exercise_qis(exercise=exercise))
        for qi in qis:
            qi.status_tag = QI_TAGS.get(qi.status, "")
        context.update(
            qis=qis,
            team=selectors.exercise_team(exercise=exercise),
            partners=selectors.partners_of(partnership=exercise.partnership),
            sessions=exercise.sessions.all(),
            follow_ups=exercise.follow_ups.prefetch_related("resolves"),
            uncertainties=UncertaintyArea.objects.filter(
                exercise_qi__exercise=exercise
            ).select_related("exercise_qi__quality_indicator", "resolved_by"),
            letters=selectors.letters_of(exercise=exercise),
            moves=BUTTON_MOVES.get(exercise.status, []) if context["can_run"] else [],
            can_submit=context["is_member"]
            and exercise.status in services.EDITABLE_EXERCISE_STATES,
            can_request_changes=context["can_run"]
            and exercise.status in services.INSPECTOR_WORK_STATES,
            feedback_request=selectors.feedback_request_latest(exercise=exercise),
            can_send_feedback=exercise.status == Exercise.Status.PUBLISHED
            and self.request.user.has_perm("partnerships.send_feedback_request", exercise),
        )
        return context


class ExerciseTransitionView(ExerciseMixin, FormView):
    permission_required = "partnerships.run_exercise"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.exercise_transition(
                exercise=self.get_exercise(), to=request.POST.get("to", ""), by=request.user,
                request=request,
            )  # fmt: skip
            messages.success(request, "The exercise has moved on.")
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(self.exercise_url())


class ExerciseSubmitView(ExerciseMixin, FormView):
    permission_required = "partnerships.draft_exercise"
    template_name = "partnerships/exercise_submit.html"
    form_class = forms.SubmitForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["qis"] = selectors.exercise_qis(exercise=self.get_exercise())
        return context

    def form_valid(self, form):
        try:
            services.exercise_submit(
                exercise=self.get_exercise(), by=self.request.user, request=self.request
            )
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your self-evaluation has been submitted. Thank you.")
        return redirect(self.exercise_url())


class RequestChangesView(ExerciseMixin, FormView):
    permission_required = "partnerships.run_exercise"
    template_name = "partnerships/exercise_request_changes.html"
    form_class = forms.RequestChangesForm

    def get_form_kwargs(self):
        qis = selectors.exercise_qis(exercise=self.get_exercise()).filter(
            status__in=[ExerciseQI.Status.SUBMITTED, ExerciseQI.Status.DECIDED]
        )
        return {**super().get_form_kwargs(), "qis": qis}

    def form_valid(self, form):
        try:
            services.exercise_request_changes(
                exercise=self.get_exercise(), notes=form.notes(), by=self.request.user,
                request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The partnership has been asked for changes.")
        return redirect(self.exercise_url())


# --- One QI: the workspace -----------------------------------------------------------------------


class QIDetailView(QIMixin, FormView):
    """The workspace for one QI: answers, grade, evidence, support thread and validation."""

    template_name = "partnerships/exercisequi_detail.html"
    form_class = forms.AnswersForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.get_qi(),
            "scale": self.get_exercise().framework.scale.all(),
        }

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("partnerships.draft_exercise", self.get_exercise()):
            return self.handle_no_permission()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.qi_answers_save(
                exercise_qi=self.get_qi(), how_good_now=data["how_good_now"],
                how_do_we_know=data["how_do_we_know"],
                how_good_can_we_be=data["how_good_can_we_be"], grade=data["grade"],
                contributors=list(data["contributors"]), by=self.request.user,
                request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your answers have been saved.")
        return redirect(self.qi_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qi = self.get_qi()
        exercise = self.get_exercise()
        evidence = {key: [] for key in Answer.values}
        for link in qi.evidence.all():
            evidence[link.answer].append(link)
        context.update(
            editable=context["is_member"] and services.qi_is_editable(qi),
            illustrations=illustrations_for(qi=qi.quality_indicator, scrutiny_kind="svse"),
            scale={level.value: level.label for level in exercise.framework.scale.all()},
            answers=[
                (Answer.NOW, "How good are we now?", qi.how_good_now, evidence["now"]),
                (Answer.KNOW, "How do we know?", qi.how_do_we_know, evidence["know"]),
                (Answer.CAN_BE, "How good can we be?", qi.how_good_can_we_be, evidence["can_be"]),
            ],
            comments=qi.comments.select_related("author"),
            can_comment=self.request.user.has_perm("partnerships.comment_exercise", exercise),
            comment_form=forms.CommentForm(),
            evidence_form=forms.EvidenceForm(),
            uncertainties=qi.uncertainties.select_related("resolved_by"),
            inspector_work=exercise.status in services.INSPECTOR_WORK_STATES,
            can_decide=exercise.status in services.DECISION_STATES
            and qi.status in {ExerciseQI.Status.SUBMITTED, ExerciseQI.Status.DECIDED},
            uncertainty_form=forms.UncertaintyForm(),
            qi_tag=QI_TAGS.get(qi.status, ""),
        )
        context.setdefault("evidence_form", forms.EvidenceForm())
        return context


class EvidenceUploadView(QIMixin, FormView):
    permission_required = "partnerships.draft_exercise"
    template_name = "partnerships/evidence_form.html"
    form_class = forms.EvidenceForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "upload_refused": upload_refusal(self.request)}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.evidence_add(
                exercise_qi=self.get_qi(), file=data["file"], answer=data["answer"],
                claim=data["claim"], by=self.request.user, request=self.request,
            )  # fmt: skip
        except UploadRejected as error:
            form.add_upload_error(error)
            return self.form_invalid(form)
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The evidence has been uploaded and linked.")
        return redirect(self.qi_url() + "#evidence")


class CommentCreateView(QIMixin, FormView):
    permission_required = "partnerships.comment_exercise"
    template_name = "partnerships/comment_form.html"
    form_class = forms.CommentForm

    def form_valid(self, form):
        try:
            services.comment_add(
                exercise_qi=self.get_qi(), body=form.cleaned_data["body"], by=self.request.user,
                request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your comment has been added and the others emailed.")
        return redirect(self.qi_url() + "#comments")


class UncertaintyCreateView(QIMixin, FormView):
    permission_required = "partnerships.validate_exercise"
    template_name = "partnerships/uncertainty_form.html"
    form_class = forms.UncertaintyForm

    def form_valid(self, form):
        try:
            services.uncertainty_add(
                exercise_qi=self.get_qi(), text=form.cleaned_data["text"], by=self.request.user,
                request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The area of uncertainty has been added.")
        return redirect(self.qi_url() + "#validation")


class DecisionView(QIMixin, FormView):
    permission_required = "partnerships.validate_exercise"
    template_name = "partnerships/exercisequi_decision.html"
    form_class = forms.DecisionForm

    def get_initial(self):
        qi = self.get_qi()
        return {
            "analysis": qi.analysis,
            "decision": qi.decision,
            "reasons": qi.decision_reasons,
            "strengths": qi.strengths,
            "areas_for_improvement": qi.areas_for_improvement,
        }

    def form_valid(self, form):
        try:
            services.qi_decide(
                exercise_qi=self.get_qi(), by=self.request.user, request=self.request,
                **form.cleaned_data,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The decision has been recorded.")
        return redirect(self.exercise_url())


# --- Exercise-wide records -----------------------------------------------------------------------


class SessionCreateView(ExerciseMixin, FormView):
    permission_required = "partnerships.run_exercise"
    template_name = "partnerships/developmentsession_form.html"
    form_class = forms.SessionForm

    def form_valid(self, form):
        services.session_record(
            exercise=self.get_exercise(), by=self.request.user, request=self.request,
            **form.cleaned_data,
        )  # fmt: skip
        messages.success(self.request, "The development session has been recorded.")
        return redirect(self.exercise_url() + "#support")


class FollowUpCreateView(ExerciseMixin, FormView):
    permission_required = "partnerships.validate_exercise"
    template_name = "partnerships/followupactivity_form.html"
    form_class = forms.FollowUpForm

    def get_form_kwargs(self):
        areas = UncertaintyArea.objects.filter(
            exercise_qi__exercise=self.get_exercise(), resolved_by__isnull=True
        )
        return {**super().get_form_kwargs(), "areas": areas}

    def form_valid(self, form):
        try:
            services.follow_up_record(
                exercise=self.get_exercise(), by=self.request.user, request=self.request,
                **form.cleaned_data,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The follow-up activity has been recorded.")
        return redirect(self.exercise_url() + "#validation")


class ConclusionView(ExerciseMixin, FormView):
    permission_required = "partnerships.run_exercise"
    template_name = "partnerships/exercise_conclusion.html"
    form_class = forms.ConclusionForm

    def get_initial(self):
        exercise = self.get_exercise()
        return {name: getattr(exercise, name) for name in self.form_class.base_fields}

    def form_valid(self, form):
        try:
            services.exercise_conclusion_save(
                exercise=self.get_exercise(), by=self.request.user, request=self.request,
                **form.cleaned_data,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The conclusion and feedback have been saved.")
        return redirect(self.exercise_url())


class LetterPublishView(ExerciseMixin, FormView):
    permission_required = "partnerships.run_exercise"
    template_name = "partnerships/letter_publish.html"
    form_class = forms.ReasonForm

    def get_form_kwargs(self):
        label = "Why does this letter replace the published one?"
        return {**super().get_form_kwargs(), "button": "Publish the letter", "label": label}

    def form_valid(self, form):
        try:
            publication = services.letter_publish(
                exercise=self.get_exercise(), reason=form.cleaned_data["reason"],
                by=self.request.user, request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Version {publication.version} of the letter is published.")
        return redirect("reports:document_detail", pk=publication.document_id)


class LetterReopenView(ExerciseMixin, FormView):
    permission_required = "partnerships.run_exercise"
    template_name = "partnerships/letter_reopen.html"
    form_class = forms.ReasonForm

    def get_form_kwargs(self):
        label = "What needs to be corrected?"
        return {**super().get_form_kwargs(), "button": "Reopen for correction", "label": label}

    def form_valid(self, form):
        try:
            services.letter_reopen(
                exercise=self.get_exercise(), reason=form.cleaned_data["reason"],
                by=self.request.user, request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "The exercise is open for correction.")
        return redirect(self.exercise_url())


class FeedbackRequestSendView(ExerciseMixin, FormView):
    """Send the feedback questionnaire again: a new single-use link, the unused old one cancelled.

    The first sending happens by itself when the letter is first published.
    """

    permission_required = "partnerships.send_feedback_request"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            sent = services.feedback_request_send(
                exercise=self.get_exercise(), by=request.user, request=request
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            people = f"{sent.recipients} {'person' if sent.recipients == 1 else 'people'}"
            messages.success(
                request,
                f"The feedback questionnaire has been emailed to {people}. Any earlier link "
                "that had not been used no longer works.",
            )
        return redirect(self.exercise_url() + "#feedback")


class PartnerCreateView(ExerciseMixin, FormView):
    """The partnership's partners: everyone on the exercise reads them; members and the
    strategic inspector add them."""

    template_name = "partnerships/partnerorganisation_form.html"
    form_class = forms.PartnerForm

    def can_manage(self) -> bool:
        return self.request.user.has_perm("partnerships.manage_partners", self.get_exercise())

    def post(self, request, *args, **kwargs):
        if not self.can_manage():
            return self.handle_no_permission()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["partners"] = selectors.partners_of(partnership=self.get_exercise().partnership)
        context["hide_form"] = not self.can_manage()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        representative = None
        if data["representative"]:
            representative = {
                "name": data["representative"],
                "role_title": data["role_title"],
                "email": data["email"],
                "is_chair": data["is_chair"],
            }
        try:
            services.partner_add(
                partnership=self.get_exercise().partnership, name=data["name"], kind=data["kind"],
                representative=representative, by=self.request.user, request=self.request,
            )  # fmt: skip
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{data['name']} has been added.")
        return redirect(self.request.path)
