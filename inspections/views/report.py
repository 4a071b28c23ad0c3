"""Views for the inspection report: its sections, a preview of the whole report, and the editor
for one section with the figures it may insert.

Each view finds the inspection among those the person may see (anyone else gets a 404), then
checks the permission for what it does (403 for the inspected authority's staff and co-readers,
who see the report only as a published PDF). A section is looked up within the inspection, so a
section of another inspection is a 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView

from core.exceptions import ApplicationError
from core.forms import add_service_errors
from core.views import ProjectPermissionMixin
from inspections import services
from inspections.forms.report import ReportSectionForm
from inspections.models import Inspection, ReportSection
from inspections.selectors.report import report_snapshot
from inspections.services.report import (
    PUBLISHED_OR_LATER,
    figure_token,
    inspection_figures_or_empty,
    section_figures,
)
from inspections.views.common import inspection_or_404

VIEW = "inspections.view_report"
WRITE = "inspections.write_report"


class ReportMixin(ProjectPermissionMixin):
    """Views whose URL names the inspection (`pk`)."""

    def get_inspection(self) -> Inspection:
        if not hasattr(self, "_inspection"):
            self._inspection = inspection_or_404(self.request.user, self.kwargs["pk"])
        return self._inspection

    def get_permission_object(self):
        return self.get_inspection()

    def detail_url(self, section: ReportSection | None = None) -> str:
        url = reverse("inspections:report_detail", args=[self.get_inspection().pk])
        return f"{url}#section-{section.pk}" if section is not None else url

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        published = inspection.status in PUBLISHED_OR_LATER
        return super().get_context_data(
            inspection=inspection,
            report_url=self.detail_url(),
            published=published,
            may_write=not published and self.request.user.has_perm(WRITE, inspection),
            **kwargs,
        )


class SectionMixin(ReportMixin):
    """Views whose URL also names a section of the inspection's report (`section`)."""

    def get_section(self) -> ReportSection:
        if not hasattr(self, "_section"):
            self._section = get_object_or_404(
                ReportSection, pk=self.kwargs["section"], inspection=self.get_inspection()
            )
        return self._section


class ReportDetailView(ReportMixin, TemplateView):
    permission_required = VIEW
    template_name = "inspections/report_detail.html"

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        snapshot = report_snapshot(inspection=inspection)
        sections = {s.pk: s for s in services.report_sections_of(inspection=inspection)}
        rows = [(sections[item["id"]], item) for item in snapshot["sections"]]
        topical = [s for s, _ in rows if s.key == ReportSection.Key.TOPICAL]
        shown = dict.fromkeys(
            code
            for item in snapshot["sections"]
            for code in [*item["figures_used"], *item["key_figures"]]
            if code in snapshot["figures"]
        )
        return super().get_context_data(
            report=snapshot,
            rows=rows,
            shown_figures=[(code, snapshot["figures"][code]) for code in shown],
            figure_count=len(snapshot["figures"]),
            first_topical=topical[0].pk if topical else None,
            last_topical=topical[-1].pk if topical else None,
            **kwargs,
        )


class ReportSectionFormMixin(ReportMixin):
    permission_required = WRITE
    template_name = "inspections/report_section_form.html"
    form_class = ReportSectionForm

    def section_key(self) -> str:
        raise NotImplementedError

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "key": self.section_key()}

    def get_context_data(self, **kwargs):
        inspection = self.get_inspection()
        groups = section_figures(
            inspection=inspection,
            key=self.section_key(),
            figures=inspection_figures_or_empty(inspection=inspection),
        )
        return super().get_context_data(
            # Figures nobody's answers feed would print "none answered": they stay valid
            # tokens but are not offered.
            figure_groups=[
                {
                    "group": group,
                    "figures": [
                        {"figure": f, "token": figure_token(f.code)}
                        for f in group.figures
                        if f.denominator
                    ],
                }
                for group in groups
                if any(f.denominator for f in group.figures)
            ],
            **kwargs,
        )

    def save(self, form) -> ReportSection:
        raise NotImplementedError

    def form_valid(self, form):
        if self.get_inspection().status in PUBLISHED_OR_LATER:
            form.add_error(None, services.REPORT_PUBLISHED)
            return self.render_to_response(self.get_context_data(form=form))
        try:
            section = self.save(form)
        except ApplicationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(self.request, f"“{section}” saved.")
        return redirect(self.detail_url(section))


class ReportSectionUpdateView(ReportSectionFormMixin, SectionMixin, FormView):
    def section_key(self) -> str:
        return self.get_section().key

    def get_initial(self):
        section = self.get_section()
        return {"heading": section.heading, "body": section.body}

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.get_section(), **kwargs)

    def save(self, form) -> ReportSection:
        section = self.get_section()
        return services.report_section_save(
            inspection=self.get_inspection(),
            key=section.key,
            section=section,
            heading=form.cleaned_data.get("heading", ""),
            body=form.cleaned_data["body"],
            by=self.request.user,
            request=self.request,
        )


class ReportSectionCreateView(ReportSectionFormMixin, FormView):
    """Add a topical section (the standard sections always exist)."""

    def section_key(self) -> str:
        return ReportSection.Key.TOPICAL

    def save(self, form) -> ReportSection:
        return services.report_section_save(
            inspection=self.get_inspection(),
            key=ReportSection.Key.TOPICAL,
            heading=form.cleaned_data["heading"],
            body=form.cleaned_data["body"],
            by=self.request.user,
            request=self.request,
        )


class TopicalSectionMixin(SectionMixin):
    permission_required = WRITE

    def get_section(self) -> ReportSection:
        section = super().get_section()
        if section.key != ReportSection.Key.TOPICAL:
            raise Http404("Only topical sections can be removed or moved")
        return section


class ReportSectionDeleteView(TopicalSectionMixin, TemplateView):
    template_name = "inspections/report_section_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.get_section(), **kwargs)

    def post(self, request, *args, **kwargs):
        section = self.get_section()
        try:
            services.report_section_delete(section=section, by=request.user, request=request)
        except ApplicationError as error:
            return self.render_to_response(self.get_context_data(error=error.message))
        messages.success(request, f"“{section}” removed from the report.")
        return redirect("inspections:report_detail", pk=self.get_inspection().pk)


class ReportSectionMoveView(TopicalSectionMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        section = self.get_section()
        try:
            services.report_section_move(
                section=section, up=request.POST.get("direction") == "up", by=request.user,
                request=request,
            )  # fmt: skip
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(self.detail_url(section))


urlpatterns = [
    path("<int:pk>/report/", ReportDetailView.as_view(), name="report_detail"),
    path(
        "<int:pk>/report/sections/new/",
        ReportSectionCreateView.as_view(),
        name="report_section_create",
    ),
    path(
        "<int:pk>/report/sections/<int:section>/",
        ReportSectionUpdateView.as_view(),
        name="report_section_update",
    ),
    path(
        "<int:pk>/report/sections/<int:section>/remove/",
        ReportSectionDeleteView.as_view(),
        name="report_section_delete",
    ),
    path(
        "<int:pk>/report/sections/<int:section>/move/",
        ReportSectionMoveView.as_view(),
        name="report_section_move",
    ),
]
