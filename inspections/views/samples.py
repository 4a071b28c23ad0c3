"""Views for inspections: samples (url patterns collected in inspections/urls.py)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from inspections import selectors, services
from inspections.forms.samples import (
    DoubleReadingForm,
    ReadersForm,
    SampleCalculatorForm,
    SampleReplaceForm,
)
from inspections.models import SampleRecord
from inspections.population_schemas import get_schema
from inspections.views.populations import CONTENT_TYPES, inspection_for

DRAW_PERMISSION = "inspections.draw_sample"


def _calculator(inspection, data=None):
    schema = get_schema(inspection.activity.population_schema)
    return SampleCalculatorForm(data, stratify_choices=schema.stratify_choices)


def _page(request, inspection, **extra):
    activity = inspection.activity
    sample = selectors.sample_of(activity=activity)
    can_draw = request.user.has_perm(DRAW_PERMISSION, inspection)
    readers = selectors.sample_readers_available(activity=activity)
    context = {
        "inspection": inspection,
        "population": selectors.population_of(activity=activity),
        "sample": sample,
        "can_draw": can_draw,
        "can_see_readers": request.user.has_perm("inspections.view_readings", inspection),
        "form": extra.pop("form", None) or _calculator(inspection),
        "replace_form": extra.pop("replace_form", None) or SampleReplaceForm(),
        "double_form": extra.pop("double_form", None)
        or DoubleReadingForm(initial={"share_percent": sample.double_read_share if sample else 10}),
        "readers_form": extra.pop("readers_form", None) or ReadersForm(readers=readers),
        **extra,
    }
    if sample is not None:
        context["rows"] = selectors.sample_rows(sample=sample)
        context["reserve"] = selectors.sample_reserve(sample=sample)
        context["stratify_label"] = get_schema(activity.population_schema).stratify_label(
            sample.stratify_by
        )
        context["allocation_rows"] = [
            (selectors.stratum_label(s), v["population"], v["allocated"])
            for s, v in sorted(sample.allocation.items())
        ]
        context["double_read_count"] = sum(1 for row in context["rows"] if row.record.double_read)
    return render(request, "inspections/sample_detail.html", context)


def sample_detail(request, pk: int):
    """The sample, or (for the lead, before reading starts) the calculator and its working."""
    inspection = inspection_for(request, pk, "inspections.view_sample")
    calculation = None
    form = None
    if "calculate" in request.GET or "confidence" in request.GET:
        if not request.user.has_perm(DRAW_PERMISSION, inspection):
            raise Http404
        form = _calculator(inspection, request.GET)
        if form.is_valid():
            try:
                calculation = services.sample_calculate(
                    activity=inspection.activity, **form.service_arguments()
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
    draw_params = [(k, v) for k, v in request.GET.items() if k != "calculate"]
    return _page(request, inspection, form=form, calculation=calculation, draw_params=draw_params)


@require_POST
def sample_draw(request, pk: int):
    inspection = inspection_for(request, pk, DRAW_PERMISSION)
    form = _calculator(inspection, request.POST)
    if form.is_valid():
        try:
            sample = services.sample_draw(
                activity=inspection.activity,
                seed=request.POST.get("seed") or None,
                by=request.user,
                request=request,
                **form.service_arguments(),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"The sample has been drawn: {sample.size:,} records.")
            return redirect("inspections:sample_detail", pk=inspection.pk)
    return _page(request, inspection, form=form)


@require_POST
def sample_record_replace(request, pk: int):
    inspection = inspection_for(request, pk, DRAW_PERMISSION)
    record = get_object_or_404(
        SampleRecord.objects.select_related("record"),
        pk=request.POST.get("record") if str(request.POST.get("record", "")).isdigit() else 0,
        sample__activity=inspection.activity,
    )
    form = SampleReplaceForm(request.POST)
    if form.is_valid():
        try:
            replacement = services.sample_replace_record(
                sample_record=record,
                reason=form.cleaned_data["reason"],
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"{record.record.reference} has been replaced by {replacement.record.reference}.",
            )
    else:
        messages.error(request, f"Enter why {record.record.reference} cannot be read.")
    return redirect("inspections:sample_detail", pk=inspection.pk)


@require_POST
def sample_double_reading(request, pk: int):
    inspection = inspection_for(request, pk, DRAW_PERMISSION)
    sample = selectors.sample_of(activity=inspection.activity)
    if sample is None:
        raise Http404
    form = DoubleReadingForm(request.POST)
    if form.is_valid():
        try:
            chosen = services.double_reading_select(
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
            return redirect("inspections:sample_detail", pk=inspection.pk)
    return _page(request, inspection, double_form=form)


@require_POST
def sample_readers_assign(request, pk: int):
    inspection = inspection_for(request, pk, DRAW_PERMISSION)
    sample = selectors.sample_of(activity=inspection.activity)
    if sample is None:
        raise Http404
    readers = selectors.sample_readers_available(activity=inspection.activity)
    form = ReadersForm(request.POST, readers=readers)
    if form.is_valid():
        chosen = [u for u in readers if str(u.pk) in form.cleaned_data["readers"]]
        try:
            created = services.readers_assign_evenly(
                sample=sample, readers=chosen, by=request.user, request=request
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{created} readings have been assigned.")
            return redirect("inspections:sample_detail", pk=inspection.pk)
    return _page(request, inspection, readers_form=form)


def sample_export(request, pk: int, kind: str):
    if kind not in CONTENT_TYPES:
        raise Http404
    inspection = inspection_for(request, pk, "inspections.view_sample")
    sample = selectors.sample_of(activity=inspection.activity)
    if sample is None:
        raise Http404
    if kind == "csv":
        content = selectors.sample_export_csv(sample=sample)
    else:
        content = selectors.sample_export_xlsx(sample=sample)
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="sample-{inspection.pk}.{kind}"'
    return response


urlpatterns = [
    path("<int:pk>/sample/", sample_detail, name="sample_detail"),
    path("<int:pk>/sample/draw/", sample_draw, name="sample_draw"),
    path("<int:pk>/sample/replace/", sample_record_replace, name="sample_record_replace"),
    path("<int:pk>/sample/double-reading/", sample_double_reading, name="sample_double_reading"),
    path("<int:pk>/sample/readers/", sample_readers_assign, name="sample_readers_assign"),
    path("<int:pk>/sample/export.<str:kind>", sample_export, name="sample_export"),
]
