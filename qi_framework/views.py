"""Pages for the QI framework: the framework, each QI, the scale; editing for administrators."""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView, View

from core.exceptions import ApplicationError
from core.views import ProjectPermissionMixin
from qi_framework import selectors, services
from qi_framework.forms import IllustrationsForm, QualityIndicatorForm
from qi_framework.models import FrameworkVersion, IllustrationSet, ScrutinyKind

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
