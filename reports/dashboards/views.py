"""Dashboard pages: the dashboard, its tables as downloads, and the records behind a figure.

Each view checks `reports.view_dashboard` and reads only through the scoped selectors, so a
person sees figures and records only of the inspections they may see.
"""

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from core.views import ProjectPermissionMixin
from reports.dashboards.exports import table_csv, table_xlsx
from reports.dashboards.forms import DashboardFilterForm
from reports.dashboards.measures import (
    CROSSTAB_BY_CODE,
    GRADES,
    MEASURE_BY_CODE,
    RATING,
    YES_NO_VALUES,
)
from reports.dashboards.records import figure_record_ids, records_by_id
from reports.dashboards.sections import section_get, sections_for
from reports.dashboards.selectors import (
    dashboard_filter_choices,
    dashboard_scope,
    dashboard_sees_everything,
)
from retention.selectors import activity_notices

RECORDS_PER_PAGE = 50
FORMATS = {
    "csv": ("text/csv; charset=utf-8", table_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        table_xlsx,
    ),
}


class DashboardMixin(ProjectPermissionMixin):
    permission_required = "reports.view_dashboard"

    def dashboard_form(self) -> DashboardFilterForm:
        years, authorities = dashboard_filter_choices(user=self.request.user)
        return DashboardFilterForm(self.request.GET or None, years=years, authorities=authorities)

    def scope(self, form: DashboardFilterForm):
        return dashboard_scope(user=self.request.user, filters=form.filters())


class DashboardView(DashboardMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.dashboard_form()
        scope = self.scope(form)
        query = urlencode(scope.filters.as_query())
        sections = [section.build(scope) for section in sections_for(scope)]
        for result in sections:
            for table in result.tables:
                for fmt in FORMATS:
                    url = reverse("reports:dashboard_table", args=[result.key, table.key, fmt])
                    setattr(table, f"download_{fmt}", f"{url}?{query}" if query else url)
        context.update(
            form=form,
            scope=scope,
            query=query,
            sections=sections,
            sees_everything=dashboard_sees_everything(user=self.request.user),
        )
        return context


class DashboardTableView(DashboardMixin, View):
    """One table of one section, as CSV or XLSX, for the same filters as the page."""

    def get(self, request, *args, section: str, table: str, fmt: str, **kwargs):
        found = section_get(section)
        if found is None or fmt not in FORMATS:
            raise Http404
        scope = self.scope(self.dashboard_form())
        result = found.build(scope)
        data = result.table(table)
        if data is None:
            raise Http404
        content_type, write = FORMATS[fmt]
        response = HttpResponse(write(data), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{data.key}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


class DashboardRecordsView(DashboardMixin, TemplateView):
    """The sampled records behind one dashboard figure, across the inspections in scope."""

    template_name = "reports/dashboard_records.html"

    def conditions(self, kind: str, code: str):
        params = self.request.GET
        if kind == "measure" and code in MEASURE_BY_CODE:
            measure = MEASURE_BY_CODE[code]
            counted = params.get("outcome") == "counted"
            allowed = measure.counted if counted else measure.positive
            if measure.kind == RATING:
                described = "rated" if counted else "rated good or better"
            else:
                described = "answered yes or no" if counted else "answered yes"
            return measure.label, described, [(measure.question, allowed)]
        if kind == "crosstab" and code in CROSSTAB_BY_CODE:
            crosstab = CROSSTAB_BY_CODE[code]
            grade, answer = params.get("grade", ""), params.get("answer", "")
            if grade not in GRADES or answer not in YES_NO_VALUES:
                raise Http404
            described = (
                f"rated {grade} and {'within' if answer == 'yes' else 'not within'} the timescale"
            )
            return (
                crosstab.label,
                described,
                [(crosstab.rating, frozenset({grade})), (crosstab.timeliness, frozenset({answer}))],
            )
        raise Http404

    def get_context_data(self, kind: str, code: str, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        label, described, conditions = self.conditions(kind, code)
        form = self.dashboard_form()
        scope = self.scope(form)
        ids = figure_record_ids(scope=scope, conditions=conditions)
        page = Paginator(ids, RECORDS_PER_PAGE).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            label=label,
            described=described,
            scope=scope,
            page_obj=page,
            paginator=page.paginator,
            records=records_by_id(page.object_list),
            query=params.urlencode(),
            dashboard_query=urlencode(scope.filters.as_query()),
            # Inspections whose records are gone still count in the figure (their summary
            # counts are kept) but list nothing here: say so and link to the frozen register.
            retention_notices=activity_notices(activity_ids=scope.activity_ids),
        )
        return context
