"""Pages for the QI framework: the framework, each QI, the scale; editing for administrators."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView, View

from core import calendar
from core.exceptions import ApplicationError
from core.models import PublicHoliday
from core.views import ProjectPermissionMixin
from qi_framework import instruments, selectors, services
from qi_framework.forms import (
    IllustrationsForm,
    InstrumentImportForm,
    PublicHolidayForm,
    QualityIndicatorForm,
    QuestionForm,
    SectionForm,
)
from qi_framework.models import FrameworkVersion, IllustrationSet, InstrumentVersion, ScrutinyKind

NO_FRAMEWORK = "No framework has been loaded yet. Run `manage.py load_framework`."


class FrameworkMixin(ProjectPermissionMixin):
    permission_required = "qi_framework.view_framework"

    def get_framework(self) -> FrameworkVersion:
        if hasattr(self, "_framework"):
            return self._framework
        version = self.kwargs.get("version")
        if version is None:
            framework = selectors.framework_current()
            if framework is None:
                raise Http404(NO_FRAMEWORK)
        else:
            framework = get_object_or_404(selectors.framework_versions(), version=version)
        self._framework = framework
        return framework

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["framework"] = self.get_framework()
        context["can_edit"] = self.request.user.has_perm("qi_framework.change_framework")
        return context


class FrameworkDetailView(FrameworkMixin, TemplateView):
    template_name = "qi_framework/framework_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        framework = context["framework"]
        context["key_questions"] = selectors.framework_tree(framework=framework)
        context["scopes"] = selectors.framework_scopes(framework=framework)
        context["versions"] = selectors.framework_versions(code=framework.code)
        return context


class ScaleView(FrameworkMixin, TemplateView):
    template_name = "qi_framework/scale_detail.html"


class QualityIndicatorDetailView(FrameworkMixin, TemplateView):
    template_name = "qi_framework/qualityindicator_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qi = selectors.quality_indicator_get(
            framework=context["framework"], code=self.kwargs["code"]
        )
        if qi is None:
            raise Http404("No such quality indicator.")
        labels = {s.value: s.label for s in context["framework"].scale.all()}
        kind = self.request.GET.get("kind", "")
        if kind not in ScrutinyKind.values:
            kind = ""
        context.update(
            qi=qi,
            kind=kind,
            kinds=ScrutinyKind.choices,
            illustration_groups=[
                {
                    "set": group.illustration_set,
                    "items": [
                        (lv, labels.get(lv, ""), text) for lv, text in group.by_level.items()
                    ],
                }
                for group in selectors.illustrations_for(qi=qi, scrutiny_kind=kind or None)
            ],
            scopes=selectors.scopes_including(qi=qi),
            sets=context["framework"].illustration_sets.all(),
        )
        return context


class FrameworkEditMixin(FrameworkMixin):
    permission_required = "qi_framework.change_framework"

    def get_qi(self):
        qi = selectors.quality_indicator_get(
            framework=self.get_framework(), code=self.kwargs["code"]
        )
        if qi is None:
            raise Http404
        return qi


class QualityIndicatorUpdateView(FrameworkEditMixin, FormView):
    template_name = "qi_framework/qualityindicator_form.html"
    form_class = QualityIndicatorForm

    def get_initial(self):
        qi = self.get_qi()
        return {"name": qi.name, "description": qi.description, "themes": "\n".join(qi.themes)}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "qi": self.get_qi()}

    def form_valid(self, form):
        qi = self.get_qi()
        try:
            services.quality_indicator_update(
                qi=qi,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                themes=form.cleaned_data["themes"],
                by=self.request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{qi.code} has been updated.")
        return redirect("qi_framework:qi_detail", version=qi.framework.version, code=qi.code)


class IllustrationsUpdateView(FrameworkEditMixin, FormView):
    template_name = "qi_framework/illustration_form.html"
    form_class = IllustrationsForm

    def get_set(self) -> IllustrationSet:
        return get_object_or_404(
            IllustrationSet, framework=self.get_framework(), code=self.kwargs["set_code"]
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "scale": self.get_framework().scale.all()}

    def get_initial(self):
        qi = self.get_qi()
        return {
            f"level_{i.level}": i.text
            for i in self.get_set().illustrations.filter(quality_indicator=qi)
        }

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "qi": self.get_qi(),
            "illustration_set": self.get_set(),
        }

    def form_valid(self, form):
        qi = self.get_qi()
        services.illustrations_update(
            illustration_set=self.get_set(), qi=qi, texts=form.texts(), by=self.request.user
        )
        messages.success(self.request, f"The illustrations for {qi.code} have been saved.")
        return redirect("qi_framework:qi_detail", version=qi.framework.version, code=qi.code)


class FrameworkCopyView(FrameworkEditMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        copy = services.framework_copy(framework=self.get_framework(), by=request.user)
        messages.success(
            request,
            f"Version {copy.version} has been made as a copy. Edit it, then make it current.",
        )
        return redirect("qi_framework:version_detail", version=copy.version)


class FrameworkMakeCurrentView(FrameworkEditMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        framework = services.framework_make_current(framework=self.get_framework(), by=request.user)
        messages.success(request, f"Version {framework.version} is now the current framework.")
        return redirect("qi_framework:version_detail", version=framework.version)


class FrameworkExportView(FrameworkEditMixin, View):
    def get(self, request, *args, **kwargs):
        framework = self.get_framework()
        data = services.framework_export(framework=framework)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="framework-{framework.code}-v{framework.version}.json"'
        )
        return response


# Instruments: scrutiny staff and administrators read them; administrators edit drafts, copy,
# publish, export and import. Public holidays (the working-day calendar) live here too.


class InstrumentMixin(ProjectPermissionMixin):
    permission_required = "qi_framework.view_instruments"

    def get_version(self) -> InstrumentVersion:
        if not hasattr(self, "_version"):
            version = instruments.instrument_version_get(
                code=self.kwargs["code"], version=self.kwargs["version"]
            )
            if version is None:
                raise Http404("No such instrument version.")
            self._version = version
        return self._version

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = self.request.user.has_perm("qi_framework.change_framework")
        return context


class InstrumentEditMixin(InstrumentMixin):
    permission_required = "qi_framework.change_framework"

    def refuse_unless_draft(self):
        """Send a person back to the version page when it can no longer be edited."""
        version = self.get_version()
        if version.is_draft:
            return None
        messages.error(
            self.request,
            instruments.services.FROZEN.format(
                version=version.version, status=version.get_status_display().lower()
            ),
        )
        return redirect(
            "qi_framework:instrument_version_detail",
            code=version.instrument.code,
            version=version.version,
        )


class InstrumentListView(InstrumentMixin, TemplateView):
    template_name = "qi_framework/instrument_list.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "instruments": instruments.instrument_list()}


class InstrumentVersionDetailView(InstrumentMixin, TemplateView):
    template_name = "qi_framework/instrument_detail.html"

    def get_context_data(self, **kwargs):
        version = self.get_version()
        return {
            **super().get_context_data(**kwargs),
            "version": version,
            "instrument": version.instrument,
            "outline": instruments.instrument_version_outline(version=version),
            "versions": version.instrument.versions.order_by("-version"),
        }


class InstrumentVersionCopyView(InstrumentEditMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        copy = instruments.instrument_version_copy(version=self.get_version(), by=request.user)
        messages.success(
            request, f"Version {copy.version} has been made as a draft copy. Edit it, then publish."
        )
        return redirect(
            "qi_framework:instrument_version_detail",
            code=copy.instrument.code,
            version=copy.version,
        )


class InstrumentVersionPublishView(InstrumentEditMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        version = self.get_version()
        try:
            instruments.instrument_version_publish(version=version, by=request.user)
        except ApplicationError as error:
            for message in [error.message, *error.extra.get("errors", [])]:
                messages.error(request, message)
        else:
            messages.success(
                request, f"Version {version.version} is published. New work will use it."
            )
        return redirect(
            "qi_framework:instrument_version_detail",
            code=version.instrument.code,
            version=version.version,
        )


class InstrumentVersionExportView(InstrumentMixin, View):
    def get(self, request, *args, **kwargs):
        version = self.get_version()
        data = instruments.instrument_export(version=version)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{version.instrument.code}-v{version.version}.json"'
        )
        return response


class InstrumentQuestionUpdateView(InstrumentEditMixin, FormView):
    template_name = "qi_framework/instrument_question_form.html"
    form_class = QuestionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.has_perm(self.permission_required):
            refusal = self.refuse_unless_draft()
            if refusal is not None:
                return refusal
        return super().dispatch(request, *args, **kwargs)

    def get_question(self):
        if not hasattr(self, "_question"):
            question = instruments.question_get(
                version=self.get_version(), code=self.kwargs["question"]
            )
            if question is None:
                raise Http404("No such question.")
            self._question = question
        return self._question

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "question": self.get_question()}

    def get_initial(self):
        q = self.get_question()
        return {
            "text": q.text,
            "help_text": q.help_text,
            "required": q.required,
            "options": "\n".join(f"{o['value']} | {o['label']}" for o in q.options),
            "min_value": q.min_value,
            "max_value": q.max_value,
        }

    def get_context_data(self, **kwargs):
        version = self.get_version()
        return {
            **super().get_context_data(**kwargs),
            "version": version,
            "question": self.get_question(),
        }

    def form_valid(self, form):
        question, data = self.get_question(), form.cleaned_data
        try:
            instruments.question_update(
                question=question,
                text=data["text"],
                help_text=data["help_text"],
                required=data["required"],
                options=data.get("options"),
                min_value=data.get("min_value"),
                max_value=data.get("max_value"),
                by=self.request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            for problem in error.extra.get("errors", []):
                form.add_error(None, problem)
            return self.form_invalid(form)
        messages.success(self.request, f"Question “{question.code}” has been saved.")
        version = self.get_version()
        return redirect(
            "qi_framework:instrument_version_detail",
            code=version.instrument.code,
            version=version.version,
        )


class InstrumentSectionUpdateView(InstrumentEditMixin, FormView):
    template_name = "qi_framework/instrument_section_form.html"
    form_class = SectionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.has_perm(self.permission_required):
            refusal = self.refuse_unless_draft()
            if refusal is not None:
                return refusal
        return super().dispatch(request, *args, **kwargs)

    def get_section(self):
        if not hasattr(self, "_section"):
            section = instruments.section_get(
                version=self.get_version(), code=self.kwargs["section"]
            )
            if section is None:
                raise Http404("No such section.")
            self._section = section
        return self._section

    def get_initial(self):
        return {"title": self.get_section().title, "help": self.get_section().help}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "version": self.get_version(),
            "section": self.get_section(),
        }

    def form_valid(self, form):
        section = self.get_section()
        try:
            instruments.section_update(
                section=section,
                title=form.cleaned_data["title"],
                help=form.cleaned_data["help"],
                by=self.request.user,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, f"Section “{section.title}” has been saved.")
        version = self.get_version()
        return redirect(
            "qi_framework:instrument_version_detail",
            code=version.instrument.code,
            version=version.version,
        )


class InstrumentImportView(InstrumentEditMixin, FormView):
    """Import a data file as a new draft version. The file is parsed and discarded, not stored.

    It should move to core.uploads once that pipeline accepts JSON.
    """

    template_name = "qi_framework/instrument_import.html"
    form_class = InstrumentImportForm

    def form_valid(self, form):
        try:
            version, _ = instruments.instrument_load(
                data=form.cleaned_data["file"], by=self.request.user, as_new_version=True
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
            return self.render_to_response(
                self.get_context_data(form=form, problems=error.extra.get("errors", []))
            )
        messages.success(
            self.request,
            f"The file has been imported as version {version.version} of "
            f"{version.instrument.name}, a draft. Check it, then publish it.",
        )
        return redirect(
            "qi_framework:instrument_version_detail",
            code=version.instrument.code,
            version=version.version,
        )


class PublicHolidayListView(InstrumentMixin, FormView):
    """The public holidays that working-day rules skip, by year; administrators add and remove."""

    template_name = "core/publicholiday_list.html"
    form_class = PublicHolidayForm

    def get_year(self) -> int:
        try:
            return int(self.request.GET.get("year", ""))
        except ValueError:
            return timezone.localdate().year

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("qi_framework.change_framework"):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        year = self.get_year()
        return {
            **super().get_context_data(**kwargs),
            "year": year,
            "years": calendar.public_holiday_years(),
            "holidays": calendar.public_holidays(years=[year]),
            "note": calendar.holidays_note(),
        }

    def form_valid(self, form):
        try:
            holiday = calendar.public_holiday_create(
                day=form.cleaned_data["date"], name=form.cleaned_data["name"], by=self.request.user
            )
        except ApplicationError as error:
            form.add_error("date", error.message)
            return self.form_invalid(form)
        messages.success(self.request, f"{holiday} has been added.")
        return redirect(f"{reverse('qi_framework:holiday_list')}?year={holiday.date.year}")


class PublicHolidayDeleteView(InstrumentEditMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        holiday = get_object_or_404(PublicHoliday, pk=self.kwargs["pk"])
        calendar.public_holiday_delete(holiday=holiday, by=request.user)
        messages.success(request, f"{holiday} has been removed.")
        return redirect(f"{reverse('qi_framework:holiday_list')}?year={holiday.date.year}")
