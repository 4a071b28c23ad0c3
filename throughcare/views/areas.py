"""Views for one area of a review: its steps, position statement, population, sample, reading,
focus groups, meetings and co-readers.

Population, sample and reading call the shared `inspections` services and selectors with the
area's ScrutinyActivity; record pages are the shared reading pages (inspections:reading_update).
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Assignment, Membership, Role, User
from core.exceptions import ApplicationError
from core.forms import add_service_errors
from core.uploads import IMPORT, UploadRejected, upload_accept, upload_limit, upload_refusal
from inspections import selectors as inspection_selectors
from inspections import services as inspection_services
from inspections.forms.populations import PopulationUploadForm
from inspections.forms.samples import ReadersForm, SampleCalculatorForm
from inspections.models import ScrutinyActivity
from inspections.population_schemas import get_schema
from throughcare import selectors, services
from throughcare.forms.areas import (
    FocusGroupForm,
    MeetingForm,
    PositionStatementDocumentForm,
    PositionStatementForm,
    PositionStatementReviewForm,
    StaffSurveyPopulationForm,
)
from throughcare.forms.reviews import PersonAddForm
from throughcare.models import AreaMeeting
from throughcare.selectors.areas import optional_url
from throughcare.views.common import area_for

# The minimum sampled per licence type, so every type is read (DOMAIN §6.1, §12).
DEFAULT_MINIMUM_PER_TYPE = 2


def _base(area, **extra) -> dict:
    return {"area": area, "review": area.review, "authority": area.activity.authority, **extra}


def area_detail(request, pk: int, area_pk: int):
    """The area's steps as a task list."""
    area = area_for(request, pk, area_pk)
    user = request.user
    progress = selectors.area_progress(area=area)
    can_read = user.has_perm("throughcare.read_records", area)
    can_manage = user.has_perm("throughcare.manage_area", area)
    steps = []
    for step in progress.steps:
        if step.key in {"reading", "sample"} and not (can_read or can_manage):
            step.url = ""
        if step.key == "staff_survey" and not user.has_perm("throughcare.manage_surveys", area):
            step.url = ""
        if step.key in {"population"} and not (
            can_manage or user.has_perm("throughcare.upload_population", area)
        ):
            step.url = ""
        steps.append(step)
    return render(
        request,
        "throughcare/area_detail.html",
        _base(
            area,
            steps=steps,
            can_view_review=user.has_perm("throughcare.view_review", area.review),
            can_manage=can_manage,
            outputs_url=optional_url("throughcare:output_area", pk=pk, area_pk=area_pk)
            if user.has_perm("throughcare.view_area_outputs", area)
            else "",
            survey_form=StaffSurveyPopulationForm(
                initial={"staff_survey_population": area.staff_survey_population}
            ),
        ),
    )


@require_POST
def area_survey_population(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk, "throughcare.manage_area")
    form = StaffSurveyPopulationForm(request.POST)
    if form.is_valid():
        services.area_staff_survey_population_set(
            area=area,
            population=form.cleaned_data["staff_survey_population"],
            by=request.user,
            request=request,
        )
        messages.success(request, "The number of staff surveyed has been saved.")
    else:
        messages.error(request, form.errors["staff_survey_population"][0])
    return redirect("throughcare:area_detail", pk=pk, area_pk=area_pk)


# --- Position statement --------------------------------------------------------------------------


def _statement_page(request, area, *, form=None, upload_form=None, review_form=None):
    user = request.user
    statement = selectors.position_statement_of(area=area)
    can_change = user.has_perm("throughcare.change_position_statement", area) and not (
        statement and statement.submitted_at
    )
    if form is None and can_change:
        form = PositionStatementForm(
            initial={
                name: getattr(statement, name, "")
                for name in ("strengths", "challenges", "areas_for_improvement")
            }
        )
    return render(
        request,
        "throughcare/positionstatement_detail.html",
        _base(
            area,
            statement=statement,
            documents=selectors.position_statement_documents(statement=statement),
            can_change=can_change,
            can_review=user.has_perm("throughcare.review_position_statement", area)
            and statement is not None
            and statement.submitted_at is not None
            and statement.reviewed_at is None,
            form=form,
            upload_form=upload_form or PositionStatementDocumentForm(),
            review_form=review_form or PositionStatementReviewForm(),
        ),
    )


@require_http_methods(["GET", "POST"])
def position_statement(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk)
    if not request.user.has_perm("throughcare.view_positionstatement", area):
        raise Http404
    if request.method == "GET":
        return _statement_page(request, area)
    if not request.user.has_perm("throughcare.change_position_statement", area):
        raise PermissionDenied
    form = PositionStatementForm(request.POST)
    if form.is_valid():
        try:
            services.position_statement_save(
                area=area, by=request.user, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The position statement has been saved.")
            return redirect("throughcare:position_statement", pk=pk, area_pk=area_pk)
    return _statement_page(request, area, form=form)


@require_POST
@upload_limit("evidence")
def position_statement_upload(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk, "throughcare.change_position_statement")
    upload_form = PositionStatementDocumentForm(
        request.POST, request.FILES, upload_refused=upload_refusal(request)
    )
    if upload_form.is_valid():
        try:
            stored = services.position_statement_document_upload(
                area=area, file=upload_form.cleaned_data["file"], by=request.user, request=request
            )
        except UploadRejected as error:
            upload_form.add_upload_error(error)
        except ApplicationError as error:
            upload_form.add_error("file", error.message)
        else:
            messages.success(request, f"“{stored.safe_name}” has been uploaded.")
            return redirect("throughcare:position_statement", pk=pk, area_pk=area_pk)
    return _statement_page(request, area, upload_form=upload_form)


@require_POST
def position_statement_submit(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk, "throughcare.change_position_statement")
    try:
        services.position_statement_submit(area=area, by=request.user, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The position statement has been sent to the review team.")
    return redirect("throughcare:position_statement", pk=pk, area_pk=area_pk)


@require_POST
def position_statement_review(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk, "throughcare.review_position_statement")
    form = PositionStatementReviewForm(request.POST)
    if form.is_valid():
        try:
            services.position_statement_review(
                area=area, notes=form.cleaned_data["notes"], by=request.user, request=request
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The position statement has been marked as reviewed.")
            return redirect("throughcare:position_statement", pk=pk, area_pk=area_pk)
    return _statement_page(request, area, review_form=form)


# --- Population (the shared import) --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@upload_limit("import")
def area_population(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk)
    user = request.user
    can_upload = user.has_perm("throughcare.upload_population", area)
    if not (can_upload or user.has_perm("throughcare.manage_area", area)):
        raise Http404
    activity = area.activity
    sample = inspection_selectors.sample_of(activity=activity)
    problems, summary = [], ""
    form = PopulationUploadForm() if can_upload else None
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        form = PopulationUploadForm(
            request.POST, request.FILES, upload_refused=upload_refusal(request)
        )
        if form.is_valid():
            try:
                stored = upload_accept(
                    file=form.cleaned_data["file"],
                    policy="import",
                    by=user,
                    owner=activity,
                    request=request,
                )
                population = inspection_services.population_import(
                    activity=activity, stored_file=stored, by=user, request=request
                )
            except UploadRejected as error:
                form.add_upload_error(error)
            except ApplicationError as error:
                problems = error.extra.get("errors", [])
                summary = error.extra.get("summary", "")
                form.add_error("file", error.message)
            else:
                messages.success(
                    request, f"The population has been imported: {population.row_count:,} records."
                )
                return redirect("throughcare:area_population", pk=pk, area_pk=area_pk)
    population = inspection_selectors.population_of(activity=activity)
    return render(
        request,
        "throughcare/area_population.html",
        _base(
            area,
            schema=get_schema(activity.population_schema),
            form=form,
            problems=problems,
            problems_summary=summary,
            policy=IMPORT,
            sample=sample,
            population=population,
            by_licence_type=selectors.population_by_licence_type(population=population)
            if population
            else [],
        ),
    )


# --- Sample (the shared calculator and draw, stratified by licence type) -------------------------


def _calculator(area, data=None):
    schema = get_schema(area.activity.population_schema)
    form = SampleCalculatorForm(data, stratify_choices=schema.stratify_choices)
    form.fields["stratify_by"].initial = "licence_type"
    form.fields["minimum_per_stratum"].initial = DEFAULT_MINIMUM_PER_TYPE
    return form


def _sample_page(request, area, **extra):
    activity = area.activity
    sample = inspection_selectors.sample_of(activity=activity)
    readers = inspection_selectors.sample_readers_available(activity=activity)
    context = _base(
        area,
        population=inspection_selectors.population_of(activity=activity),
        sample=sample,
        can_draw=request.user.has_perm("throughcare.draw_sample", area),
        form=extra.pop("form", None) or _calculator(area),
        readers_form=extra.pop("readers_form", None) or ReadersForm(readers=readers),
        **extra,
    )
    if sample is not None:
        schema = get_schema(activity.population_schema)
        context["stratify_label"] = schema.stratify_label(sample.stratify_by)
        labels = (
            {c.value: c.label for c in schema.column(sample.stratify_by).choices}
            if sample.stratify_by in {c.name for c in schema.columns}
            else {}
        )
        context["allocation_rows"] = [
            (labels.get(s, inspection_selectors.stratum_label(s)), v["population"], v["allocated"])
            for s, v in sorted(sample.allocation.items())
        ]
        context["rows"] = inspection_selectors.sample_rows(sample=sample)
        for row in context["rows"]:
            row.record.stratum_label = labels.get(row.record.stratum, row.record.stratum)
    return render(request, "throughcare/area_sample.html", context)


def area_sample(request, pk: int, area_pk: int):
    """The sample, or (for the review lead, before reading starts) the calculator."""
    area = area_for(request, pk, area_pk)
    if not (
        request.user.has_perm("throughcare.read_records", area)
        or request.user.has_perm("throughcare.manage_area", area)
    ):
        raise Http404
    calculation, form = None, None
    if "calculate" in request.GET or "confidence" in request.GET:
        if not request.user.has_perm("throughcare.draw_sample", area):
            raise PermissionDenied
        form = _calculator(area, request.GET)
        if form.is_valid():
            try:
                calculation = inspection_services.sample_calculate(
                    activity=area.activity, **form.service_arguments()
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
    draw_params = [(k, v) for k, v in request.GET.items() if k != "calculate"]
    return _sample_page(request, area, form=form, calculation=calculation, draw_params=draw_params)


@require_POST
def area_sample_draw(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk, "throughcare.draw_sample")
    form = _calculator(area, request.POST)
    if form.is_valid():
        try:
            sample = inspection_services.sample_draw(
                activity=area.activity,
                seed=request.POST.get("seed") or None,
                by=request.user,
                request=request,
                **form.service_arguments(),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"The sample has been drawn: {sample.size:,} records.")
            return redirect("throughcare:area_sample", pk=pk, area_pk=area_pk)
    return _sample_page(request, area, form=form)


@require_POST
def area_readers_assign(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk, "throughcare.draw_sample")
    sample = inspection_selectors.sample_of(activity=area.activity)
    if sample is None:
        raise Http404
    readers = inspection_selectors.sample_readers_available(activity=area.activity)
    form = ReadersForm(request.POST, readers=readers)
    if form.is_valid():
        chosen = [u for u in readers if str(u.pk) in form.cleaned_data["readers"]]
        try:
            created = inspection_services.readers_assign_evenly(
                sample=sample, readers=chosen, by=request.user, request=request
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{created} readings have been assigned.")
            return redirect("throughcare:area_sample", pk=pk, area_pk=area_pk)
    return _sample_page(request, area, readers_form=form)


def _licence_labels(area) -> dict[str, str]:
    schema = get_schema(area.activity.population_schema)
    names = {c.name for c in schema.columns}
    if "licence_type" not in names:
        return {}
    return {c.value: c.label for c in schema.column("licence_type").choices}


# --- Reading -------------------------------------------------------------------------------------


def area_readings(request, pk: int, area_pk: int):
    """The person's records to read in this area (the shared queue) and the area's progress."""
    area = area_for(request, pk, area_pk, "throughcare.read_records")
    activity = area.activity
    user = request.user
    can_view_readings = user.has_perm("inspections.view_readings", activity)
    labels = _licence_labels(area)
    rows = inspection_selectors.reading_queue_for(user=user, activity=activity)
    for row in rows:
        row.stratum = labels.get(row.stratum, row.stratum)
    progress = (
        inspection_selectors.reading_progress(activity=activity) if can_view_readings else None
    )
    for row in (progress or {}).get("by_stratum", []):
        row.label = labels.get(row.label, row.label)
    return render(
        request,
        "throughcare/area_readings.html",
        _base(
            area,
            rows=rows,
            can_view_readings=can_view_readings,
            progress=progress,
        ),
    )


# --- Focus groups and meetings -------------------------------------------------------------------


def _list_and_add(
    request, area, *, form_class, create, added: str, url_name: str, template, **extra
):
    """A list of the area's records with a form to add one (for those who manage the area)."""
    can_manage = request.user.has_perm("throughcare.manage_area", area)
    form = form_class(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                create(area=area, by=request.user, request=request, **form.cleaned_data)
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, added)
                return redirect(url_name, pk=area.review_id, area_pk=area.pk)
    return render(request, template, _base(area, form=form, can_manage=can_manage, **extra))


@require_http_methods(["GET", "POST"])
def area_focus_groups(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk)
    return _list_and_add(
        request,
        area,
        form_class=FocusGroupForm,
        create=services.area_focus_group_create,
        added="The focus group has been added.",
        url_name="throughcare:area_focus_groups",
        template="throughcare/area_focus_groups.html",
        events=selectors.area_focus_groups(area=area),
    )


@require_http_methods(["GET", "POST"])
def area_meetings(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk)
    return _list_and_add(
        request,
        area,
        form_class=MeetingForm,
        create=services.area_meeting_create,
        added="The meeting has been recorded.",
        url_name="throughcare:area_meetings",
        template="throughcare/areameeting_list.html",
        meetings=selectors.area_meetings(area=area),
    )


@require_http_methods(["GET", "POST"])
def area_meeting_update(request, pk: int, area_pk: int, meeting_pk: int):
    area = area_for(request, pk, area_pk, "throughcare.manage_area")
    meeting = get_object_or_404(AreaMeeting, pk=meeting_pk, area=area)
    initial = {name: getattr(meeting, name) for name in ("kind", "held_on", "attendees", "points")}
    form = MeetingForm(request.POST or None, initial=initial, button="Save changes")
    if request.method == "POST" and form.is_valid():
        try:
            services.area_meeting_update(
                meeting=meeting, by=request.user, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The meeting has been saved.")
            return redirect("throughcare:area_meetings", pk=pk, area_pk=area_pk)
    return render(
        request, "throughcare/areameeting_form.html", _base(area, meeting=meeting, form=form)
    )


# --- Co-readers ----------------------------------------------------------------------------------


def _local_people(area):
    return User.objects.filter(
        is_active=True,
        id__in=Membership.objects.filter(is_active=True, organisation=area.activity.authority)
        .exclude(role=Role.PARTNERSHIP_MEMBER)
        .values("user_id"),
    ).order_by("name")


@require_http_methods(["GET", "POST"])
def area_co_readers(request, pk: int, area_pk: int):
    area = area_for(request, pk, area_pk)
    can_manage = request.user.has_perm("throughcare.manage_review", area.review)
    form = PersonAddForm(
        request.POST or None,
        people=_local_people(area),
        label=f"Who from {area.activity.authority.name} will read records?",
        button="Add co-reader",
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.area_co_reader_assign(
                    area=area, user=form.cleaned_data["user"], by=request.user, request=request
                )
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{form.cleaned_data['user'].name} has been added.")
                return redirect("throughcare:area_co_readers", pk=pk, area_pk=area_pk)
    return render(
        request,
        "throughcare/area_co_readers.html",
        _base(
            area,
            co_readers=selectors.area_co_readers(area=area),
            form=form,
            can_manage=can_manage,
        ),
    )


@require_POST
def area_co_reader_remove(request, pk: int, area_pk: int, assignment_pk: int):
    area = area_for(request, pk, area_pk)
    if not request.user.has_perm("throughcare.manage_review", area.review):
        raise PermissionDenied
    assignment = get_object_or_404(
        Assignment.objects.select_related("user", "target_type"),
        pk=assignment_pk,
        target_type=ContentType.objects.get_for_model(ScrutinyActivity),
        target_id=area.activity_id,
    )
    try:
        services.area_team_remove(
            area=area, assignment=assignment, by=request.user, request=request
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{assignment.user.name} is no longer a co-reader here.")
    return redirect("throughcare:area_co_readers", pk=pk, area_pk=area_pk)


AREA = "<int:pk>/areas/<int:area_pk>/"
urlpatterns = [
    path(AREA, area_detail, name="area_detail"),
    path(f"{AREA}survey-population/", area_survey_population, name="area_survey_population"),
    path(f"{AREA}position-statement/", position_statement, name="position_statement"),
    path(
        f"{AREA}position-statement/upload/",
        position_statement_upload,
        name="position_statement_upload",
    ),
    path(
        f"{AREA}position-statement/submit/",
        position_statement_submit,
        name="position_statement_submit",
    ),
    path(
        f"{AREA}position-statement/review/",
        position_statement_review,
        name="position_statement_review",
    ),
    path(f"{AREA}population/", area_population, name="area_population"),
    path(f"{AREA}sample/", area_sample, name="area_sample"),
    path(f"{AREA}sample/draw/", area_sample_draw, name="area_sample_draw"),
    path(f"{AREA}sample/readers/", area_readers_assign, name="area_readers_assign"),
    path(f"{AREA}readings/", area_readings, name="area_readings"),
    path(f"{AREA}focus-groups/", area_focus_groups, name="area_focus_groups"),
    path(f"{AREA}meetings/", area_meetings, name="area_meetings"),
    path(f"{AREA}meetings/<int:meeting_pk>/", area_meeting_update, name="area_meeting_update"),
    path(f"{AREA}co-readers/", area_co_readers, name="area_co_readers"),
    path(
        f"{AREA}co-readers/<int:assignment_pk>/remove/",
        area_co_reader_remove,
        name="area_co_reader_remove",
    ),
]
