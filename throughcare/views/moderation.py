"""Views for one area's double reading and moderation, on the shared inspections machinery.

The inspections pages for these are keyed by an inspection; these thin pages are keyed by the
review's area and call the same selectors and services (double_reading_select, discrepancy_list,
agreement_table, moderation_record) with the area's sample.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from inspections import selectors as inspection_selectors
from inspections import services as inspection_services
from inspections.agreement import MINIMUM_PAIRS
from inspections.forms.samples import DoubleReadingForm
from inspections.models import ModeratedAnswer, SampleRecord
from inspections.services.moderation import MODERATION_REASON_REQUIRED
from inspections.views.readings import _raw_value
from qi_framework.instruments import questions_of
from throughcare.views.common import area_for

VIEW = "throughcare.view_analysis"
MODERATE = "throughcare.draw_sample"  # the review lead, as an inspection's lead moderates


def _sample_or_404(area):
    sample = inspection_selectors.sample_of(activity=area.activity)
    if sample is None:
        raise Http404
    return sample


def area_moderation(request, pk: int, area_pk: int, double_form=None):
    """Disagreements between double readings, agreement between readers, double reading."""
    area = area_for(request, pk, area_pk, VIEW)
    sample = inspection_selectors.sample_of(activity=area.activity)
    can_moderate = request.user.has_perm(MODERATE, area)
    return render(
        request,
        "throughcare/area_moderation.html",
        {
            "area": area,
            "review": area.review,
            "authority": area.activity.authority,
            "sample": sample,
            "can_moderate": can_moderate,
            "discrepancies": inspection_selectors.discrepancy_list(sample=sample) if sample else [],
            "table": inspection_selectors.agreement_table(sample=sample)
            if sample
            else {"by_question": [], "by_readers": [], "records": 0},
            "minimum_pairs": MINIMUM_PAIRS,
            "double_read": sample.records.filter(double_read=True).count() if sample else 0,
            "double_form": double_form
            or DoubleReadingForm(
                initial={"share_percent": sample.double_read_share if sample else 10}
            ),
        },
    )


@require_POST
def area_double_reading(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk, MODERATE)
    sample = _sample_or_404(area)
    form = DoubleReadingForm(request.POST)
    if form.is_valid():
        try:
            chosen = inspection_services.double_reading_select(
                sample=sample,
                share_percent=form.cleaned_data["share_percent"],
                references=form.cleaned_data["references"] or None,
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{len(chosen)} records will be read twice.")
            return redirect("throughcare:area_moderation", pk=pk, area_pk=area_pk)
    return area_moderation(request, pk, area_pk, double_form=form)


@require_http_methods(["GET", "POST"])
def area_moderation_record(request, pk: int, area_pk: int, record_pk: int, code: str):
    """Record the answer that counts for one question of one double-read record."""
    area = area_for(request, pk, area_pk, MODERATE)
    sample_record = get_object_or_404(
        SampleRecord.objects.select_related("record", "sample"),
        pk=record_pk,
        sample__activity=area.activity,
    )
    version = area.activity.reading_instrument
    question = next((q for q in questions_of(version) if q.code == code), None)
    if question is None or question.is_derived:
        raise Http404
    posted, error, reason_error = None, "", ""
    reason = request.POST.get("reason", "").strip()
    if request.method == "POST":
        try:
            inspection_services.moderation_record(
                sample_record=sample_record,
                question=question,
                raw_value=_raw_value(request.POST, question),
                reason=reason,
                by=request.user,
                request=request,
            )
        except ApplicationError as refusal:
            posted = request.POST
            if refusal.message == MODERATION_REASON_REQUIRED:
                reason_error = refusal.message
            else:
                error = refusal.message
        else:
            messages.success(
                request,
                f"Moderated answer recorded for {sample_record.record.reference}: {question.text}",
            )
            return redirect("throughcare:area_moderation", pk=pk, area_pk=area_pk)
    discrepancy = next(
        (
            d
            for d in inspection_selectors.discrepancy_list(sample=sample_record.sample)
            if d.sample_record.pk == sample_record.pk and d.question.code == code
        ),
        None,
    )
    moderated = ModeratedAnswer.objects.filter(
        sample_record=sample_record, question=question
    ).first()
    value = None
    if moderated is not None:
        moderated.question = question
        value = moderated.value
        reason = reason or moderated.reason
    scale = {level.value: level.label for level in version.framework.scale.all()}
    view = inspection_selectors.QuestionView(
        question=question,
        value=value,
        display=inspection_services.answer_display(question, value, scale),
        version=None,
        visible=True,
        choices=inspection_selectors.question_choices(question, scale),
        state=inspection_selectors.field_state(question, value, posted),
        error=error,
    )
    return render(
        request,
        "throughcare/area_moderation_form.html",
        {
            "area": area,
            "review": area.review,
            "authority": area.activity.authority,
            "sample_record": sample_record,
            "question": question,
            "discrepancy": discrepancy,
            "q": view,
            "editable": True,
            "reason": reason,
            "reason_error": reason_error,
            "has_errors": bool(error or reason_error),
        },
    )


AREA = "<int:pk>/areas/<int:area_pk>/"
urlpatterns = [
    path(f"{AREA}moderation/", area_moderation, name="area_moderation"),
    path(f"{AREA}moderation/double-reading/", area_double_reading, name="area_double_reading"),
    path(
        f"{AREA}moderation/<int:record_pk>/<slug:code>/",
        area_moderation_record,
        name="area_moderation_record",
    ),
]
