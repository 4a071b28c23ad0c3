"""Views for inspections: populations (url patterns collected in inspections/urls.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from core.uploads import IMPORT, UploadRejected, upload_accept, upload_limit, upload_refusal
from inspections import selectors, services
from inspections.forms.populations import PopulationUploadForm
from inspections.models import Inspection
from inspections.population_schemas import get_schema
from inspections.views.common import inspection_or_404
from retention.views import record_data_deleted_response

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def inspection_for(request, pk: int, permission: str) -> Inspection:
    """Return the inspection if the person may see it (else 404) and has `permission` (else 403)."""
    inspection = inspection_or_404(request.user, pk)
    if not request.user.has_perm(permission, inspection):
        raise PermissionDenied
    return inspection


@require_http_methods(["GET", "POST"])
@upload_limit("import")
def population_upload(request, pk: int):
    inspection = inspection_for(request, pk, "inspections.upload_population")
    activity = inspection.activity
    schema = get_schema(activity.population_schema)
    problems, summary = [], ""
    sample = selectors.sample_of(activity=activity)
    if request.method == "POST":
        form = PopulationUploadForm(
            request.POST, request.FILES, upload_refused=upload_refusal(request)
        )
        if form.is_valid():
            try:
                stored = upload_accept(
                    file=form.cleaned_data["file"],
                    policy="import",
                    by=request.user,
                    owner=activity,
                    request=request,
                )
                population = services.population_import(
                    activity=activity, stored_file=stored, by=request.user, request=request
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
                return redirect("inspections:population_detail", pk=inspection.pk)
    else:
        form = PopulationUploadForm()
    return render(
        request,
        "inspections/population_upload.html",
        {
            "inspection": inspection,
            "schema": schema,
            "form": form,
            "problems": problems,
            "problems_summary": summary,
            "policy": IMPORT,
            "sample": sample,
            "population": selectors.population_of(activity=activity),
        },
    )


def population_detail(request, pk: int):
    inspection = inspection_for(request, pk, "inspections.view_inspection")
    if deleted := record_data_deleted_response(request, inspection=inspection):
        return deleted  # record-level data deleted under the retention policy (ADR 0011)
    population = selectors.population_of(activity=inspection.activity)
    context = {
        "inspection": inspection,
        "population": population,
        "schema": get_schema(inspection.activity.population_schema),
        "can_upload": request.user.has_perm("inspections.upload_population", inspection),
        "can_see_records": request.user.has_perm("inspections.view_readings", inspection),
        "sample": selectors.sample_of(activity=inspection.activity),
        "can_view_sample": request.user.has_perm("inspections.view_sample", inspection),
    }
    if population is not None:
        context["summary"] = selectors.population_summary(population=population)
        if context["can_see_records"]:
            paginator = Paginator(selectors.population_records(population=population), 100)
            context["page_obj"] = paginator.get_page(request.GET.get("page"))
    return render(request, "inspections/population_detail.html", context)


def population_template(request, pk: int, kind: str):
    if kind not in CONTENT_TYPES:
        raise Http404
    inspection = inspection_for(request, pk, "inspections.upload_population")
    schema = get_schema(inspection.activity.population_schema)
    if kind == "csv":
        content = selectors.population_template_csv(schema=schema)
    else:
        content = selectors.population_template_xlsx(schema=schema)
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="population-{schema.code}.{kind}"'
    return response


urlpatterns = [
    path("<int:pk>/population/", population_detail, name="population_detail"),
    path("<int:pk>/population/upload/", population_upload, name="population_upload"),
    path(
        "<int:pk>/population/template.<str:kind>",
        population_template,
        name="population_template",
    ),
]
