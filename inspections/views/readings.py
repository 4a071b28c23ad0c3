"""Views for inspections: readings (url patterns combined in inspections/urls.py).

The record page works as a normal form, one section at a time ("Save and continue"); with
JavaScript (static/js/reading.js) each answer is also saved as the reader goes, through
AnswerSaveView, which answers in JSON.
"""

import json
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import ApplicationError
from core.uploads import UploadRejected, upload_limit, upload_refusal
from core.views import ProjectPermissionMixin
from inspections import selectors, services
from inspections.forms.readings import ReadingImportForm, ReadingReopenForm
from inspections.models import SampleRecord
from inspections.views.common import inspection_or_404
from qi_framework.instruments import questions_of
from qi_framework.models import Question
from retention.views import RecordDataDeletedMixin

BAD_SAVE = "The answer could not be read. Reload the page and try again."
NO_SAMPLE = "No sample has been drawn for this inspection yet."


class InspectionMixin(ProjectPermissionMixin):
    """An inspection-level page: 404 outside the person's inspections, 403 without the right."""

    def get_permission_object(self):
        if not hasattr(self, "inspection"):
            self.inspection = inspection_or_404(self.request.user, self.kwargs["pk"])
        return self.inspection

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inspection"] = self.inspection
        return context


class ReadingMixin:
    """A reading page: 404 unless the person is its reader or may see readings (and is not
    the other reader of the same record before both are submitted)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.reading = selectors.reading_get(pk=kwargs["pk"])
        if self.reading is None:
            raise Http404
        self.access = selectors.reading_access(user=request.user, reading=self.reading)
        if self.access is None:
            raise Http404
        self.activity = self.reading.sample_record.sample.activity
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def inspection(self):
        """The activity's inspection (None for a thematic review's area), read when a page
        needs it: autosave does not, and is the most frequent request of all."""
        return getattr(self.activity, "inspection", None)


def _raw_value(post, question: Question):
    code = question.code
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return post.getlist(code)
    if question.kind == Question.Kind.DATE:
        parts = [post.get(f"{code}-{p}", "").strip() for p in ("day", "month", "year")]
        return "/".join(parts) if any(parts) else ""
    return post.get(code, "")


def _int_or_none(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class ReadingQueueView(RecordDataDeletedMixin, InspectionMixin, TemplateView):
    permission_required = "inspections.read_records"
    template_name = "inspections/reading_queue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["rows"] = selectors.reading_queue_for(user=user, activity=self.inspection.activity)
        context["can_view_readings"] = user.has_perm("inspections.view_readings", self.inspection)
        context["can_moderate"] = user.has_perm("inspections.moderate", self.inspection)
        return context


class ReadingUpdateView(ReadingMixin, View):
    """The record page: one section of the tool at a time."""

    template_name = "inspections/reading_form.html"

    def page_context(self, page, number, errors=None, posted=None):
        sections = page.sections
        number = min(max(number, 1), len(sections))
        section = sections[number - 1]
        for view in section.questions:
            view.save_id = uuid.uuid4()  # one per change; a resubmitted form is stored once
            view.error = (errors or {}).get(view.question.code, "")
            if posted is not None and not view.question.is_derived:
                view.state = selectors.field_state(view.question, view.value, posted)
        return {
            "inspection": self.inspection,
            # An area of a thematic review (throughcare/) when the activity is not an inspection.
            "review_area": getattr(self.activity, "review_area", None),
            "reading": self.reading,
            "page": page,
            "section": section,
            "number": number,
            "count": len(sections),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(sections) else None,
            "editable": self.access == "edit" and self.reading.status == "in_progress",
            "errors": errors or {},
            "posted": posted,
            "can_moderate": self.request.user.has_perm("inspections.moderate", self.activity),
        }

    def get(self, request, pk):
        page = selectors.reading_page_data(reading=self.reading)
        number = _int_or_none(request.GET.get("section")) or 1
        return render(request, self.template_name, self.page_context(page, number))

    def post(self, request, pk):
        if self.access != "edit":
            raise PermissionDenied
        page = selectors.reading_page_data(reading=self.reading)
        number = _int_or_none(request.GET.get("section")) or 1
        number = min(max(number, 1), len(page.sections))
        section = page.sections[number - 1]
        errors: dict[str, str] = {}
        try:
            for view in section.questions:
                question = view.question
                if question.is_derived or not view.visible:
                    continue
                save_id = request.POST.get(f"save-{question.code}")
                try:
                    client_save_id = uuid.UUID(save_id) if save_id else uuid.uuid4()
                except ValueError:
                    client_save_id = uuid.uuid4()
                result = services.answer_save(
                    reading=self.reading,
                    question=question,
                    raw_value=_raw_value(request.POST, question),
                    based_on_version=_int_or_none(request.POST.get(f"version-{question.code}")),
                    client_save_id=client_save_id,
                    by=request.user,
                    request=request,
                )
                if not result.ok:
                    errors[question.code] = result.message
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect(f"{request.path}?section={number}")
        if errors:
            page = selectors.reading_page_data(reading=self.reading)
            context = self.page_context(page, number, errors=errors, posted=request.POST)
            return render(request, self.template_name, context)
        page = selectors.reading_page_data(reading=self.reading)
        unanswered_here = [
            q
            for q in page.sections[number - 1].visible_questions
            if not q.question.is_derived and q.version is None and q.question.required
        ]
        newly_shown = [q for q in unanswered_here if q.question.code not in request.POST]
        if newly_shown:
            messages.info(request, "More questions apply now. Answer them, then continue.")
            return redirect(f"{request.path}?section={number}#{newly_shown[0].field_id}")
        if number < len(page.sections):
            return redirect(f"{request.path}?section={number + 1}")
        return redirect("inspections:reading_submit", pk=self.reading.pk)


class AnswerSaveView(ReadingMixin, View):
    """Save one answer from the page's script; JSON in, JSON out."""

    def post(self, request, pk):
        if self.access != "edit":
            return JsonResponse({"status": "refused", "message": BAD_SAVE}, status=403)
        try:
            body = json.loads(request.body or b"{}")
            code = str(body["question"])
            client_save_id = uuid.UUID(str(body["client_save_id"]))
            based_on = body.get("based_on_version")
            based_on = int(based_on) if based_on not in (None, "") else None
        except (ValueError, KeyError, TypeError):
            return JsonResponse({"status": "refused", "message": BAD_SAVE}, status=400)
        try:
            result = services.answer_save(
                reading=self.reading,
                question=code,
                raw_value=body.get("value"),
                based_on_version=based_on,
                client_save_id=client_save_id,
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            return JsonResponse({"status": "refused", "message": error.message}, status=409)
        question = result.question
        payload = {
            "status": result.status,
            "question": question.code,
            "version": result.version,
            "value": services.value_to_json(result.value),
            "message": result.message,
        }
        if result.status == "conflict":
            payload["theirs"] = services.value_to_json(result.theirs)
            payload["theirs_display"] = services.answer_display(question, result.theirs)
            payload["yours_display"] = services.answer_display(question, result.value)
            return JsonResponse(payload, status=409)
        if result.status == "invalid":
            return JsonResponse(payload, status=422)
        if not result.replayed:
            questions = {q.code: q for q in questions_of(self.reading.instrument_version)}
            payload["visible"] = sorted(result.visible)
            payload["derived"] = {
                c: services.answer_display(questions[c], v) for c, v in result.derived.items()
            }
        return JsonResponse(payload)


class ReadingSubmitView(ReadingMixin, View):
    """Check your answers, then submit."""

    template_name = "inspections/reading_submit.html"

    def context(self, missing=None):
        page = selectors.reading_page_data(reading=self.reading)
        return {
            "inspection": self.inspection,
            # An area of a thematic review (throughcare/) when the activity is not an inspection.
            "review_area": getattr(self.activity, "review_area", None),
            "reading": self.reading,
            "page": page,
            "missing": missing,
            "editable": self.access == "edit" and self.reading.status == "in_progress",
            "can_moderate": self.request.user.has_perm("inspections.moderate", self.activity),
        }

    def get(self, request, pk):
        return render(request, self.template_name, self.context())

    def post(self, request, pk):
        if self.access != "edit":
            raise PermissionDenied
        try:
            services.reading_submit(reading=self.reading, by=request.user, request=request)
        except ApplicationError as error:
            missing = error.extra.get("missing")
            if missing is None:
                messages.error(request, error.message)
                return redirect("inspections:reading_submit", pk=pk)
            context = self.context(missing=missing)
            context["error_message"] = error.message
            return render(request, self.template_name, context)
        messages.success(
            request, f"Reading of {self.reading.sample_record.record.reference} submitted"
        )
        return redirect("inspections:reading_queue", pk=self.inspection.pk)


class ReadingReopenView(ReadingMixin, View):
    template_name = "inspections/reading_reopen.html"

    def check(self):
        if not self.request.user.has_perm("inspections.moderate", self.activity):
            raise PermissionDenied

    def get(self, request, pk):
        self.check()
        form = ReadingReopenForm()
        return render(request, self.template_name, {"form": form, "reading": self.reading})

    def post(self, request, pk):
        self.check()
        form = ReadingReopenForm(request.POST)
        if form.is_valid():
            try:
                services.reading_reopen(
                    reading=self.reading,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    request=request,
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Reading reopened")
                return redirect("inspections:reading_submit", pk=pk)
        return render(request, self.template_name, {"form": form, "reading": self.reading})


class RecordHistoryView(ProjectPermissionMixin, TemplateView):
    """Every change to one sampled record's readings, for the lead inspector."""

    permission_required = "inspections.moderate"
    template_name = "inspections/reading_history.html"

    def get_permission_object(self):
        if not hasattr(self, "sample_record"):
            self.sample_record = get_object_or_404(
                SampleRecord.objects.select_related("record", "sample__activity__inspection"),
                pk=self.kwargs["pk"],
            )
            if not self.request.user.has_perm(
                "inspections.view_inspection", self.sample_record.sample.activity
            ):
                raise Http404
        return self.sample_record.sample.activity

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sample_record"] = self.sample_record
        context["inspection"] = self.sample_record.sample.activity.inspection
        context["entries"] = selectors.record_history(sample_record=self.sample_record)
        return context


class ReadingProgressView(InspectionMixin, TemplateView):
    permission_required = "inspections.view_readings"
    template_name = "inspections/reading_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["progress"] = selectors.reading_progress(activity=self.inspection.activity)
        return context


class ReadingExportView(InspectionMixin, View):
    """The paper and spreadsheet fallback: the tool as an XLSX, one row per sampled record."""

    permission_required = "inspections.moderate"

    def get(self, request, pk):
        sample = getattr(self.inspection.activity, "sample", None)
        if sample is None:
            raise Http404(NO_SAMPLE)
        content = services.readings_export_xlsx(sample=sample)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="readings-{pk}.xlsx"'
        return response


@method_decorator(upload_limit("import"), name="dispatch")
class ReadingImportView(InspectionMixin, View):
    permission_required = "inspections.moderate"
    template_name = "inspections/reading_import.html"

    def get(self, request, pk):
        return render(
            request,
            self.template_name,
            {"inspection": self.inspection, "form": ReadingImportForm()},
        )

    def post(self, request, pk):
        sample = getattr(self.inspection.activity, "sample", None)
        if sample is None:
            raise Http404(NO_SAMPLE)
        form = ReadingImportForm(
            request.POST, request.FILES, upload_refused=upload_refusal(request)
        )
        report = None
        if form.is_valid():
            try:
                report = services.readings_import_xlsx(
                    sample=sample, file=form.cleaned_data["file"], by=request.user, request=request
                )
            except UploadRejected as error:
                form.add_upload_error(error)
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                if report.ok:
                    messages.success(request, f"{report.saved} answers imported")
                    return redirect("inspections:reading_progress", pk=pk)
        return render(
            request,
            self.template_name,
            {"inspection": self.inspection, "form": form, "report": report},
        )


urlpatterns = [
    path("<int:pk>/readings/", ReadingQueueView.as_view(), name="reading_queue"),
    path("<int:pk>/readings/progress/", ReadingProgressView.as_view(), name="reading_progress"),
    path("<int:pk>/readings/export.xlsx", ReadingExportView.as_view(), name="reading_export_xlsx"),
    path("<int:pk>/readings/import/", ReadingImportView.as_view(), name="reading_import_xlsx"),
    path("readings/<int:pk>/", ReadingUpdateView.as_view(), name="reading_update"),
    path("readings/<int:pk>/answers/", AnswerSaveView.as_view(), name="answer_save"),
    path("readings/<int:pk>/submit/", ReadingSubmitView.as_view(), name="reading_submit"),
    path("readings/<int:pk>/reopen/", ReadingReopenView.as_view(), name="reading_reopen"),
    path("records/<int:pk>/history/", RecordHistoryView.as_view(), name="samplerecord_history"),
]
