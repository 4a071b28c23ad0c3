"""Views for themes: the review team names themes and tags free-text answers with them.

The tagging page lists the review's written answers (staff survey, prison survey, interviews),
20 to a page, with a checkbox per theme; saving changes the tags of that page's answers only.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from core.forms import add_service_errors
from throughcare import selectors, services
from throughcare.forms.themes import ThemeForm
from throughcare.models import SurveyTheme
from throughcare.views.common import review_for

MANAGE = "throughcare.manage_surveys"
VIEW = "throughcare.view_analysis"
PER_PAGE = 20

THEME_ADDED = "Theme “{name}” added."
THEME_SAVED = "Theme “{name}” saved."
THEME_DELETED = "Theme “{name}” deleted."
TAGS_SAVED = "Tags saved: {added} added, {removed} removed."


@require_http_methods(["GET", "POST"])
def theme_list(request, pk: int):
    """The review's themes with their counts by source and area, and a form to add one."""
    review = review_for(request, pk, VIEW)
    may_manage = request.user.has_perm(MANAGE, review)
    form = ThemeForm()
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        form = ThemeForm(request.POST)
        if form.is_valid():
            try:
                theme = services.theme_create(
                    review=review,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    by=request.user,
                    request=request,
                )
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, THEME_ADDED.format(name=theme.name))
                return redirect("throughcare:theme_list", pk=review.pk)
    return render(
        request,
        "throughcare/theme_list.html",
        {
            "review": review,
            "themes": selectors.themes_of(review=review),
            "counts": selectors.theme_counts(review=review),
            "sources": selectors.SURVEY_SOURCES,
            "answers": selectors.free_text_answers(review=review).count(),
            "form": form,
            "may_manage": may_manage,
        },
    )


def _theme(review, theme_pk: int) -> SurveyTheme:
    return get_object_or_404(SurveyTheme, pk=theme_pk, review=review)


@require_http_methods(["GET", "POST"])
def theme_update(request, pk: int, theme_pk: int):
    review = review_for(request, pk, MANAGE)
    theme = _theme(review, theme_pk)
    form = ThemeForm(
        request.POST or None,
        initial={"name": theme.name, "description": theme.description},
        button="Save theme",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_update(
                theme=theme,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, THEME_SAVED.format(name=theme.name))
            return redirect("throughcare:theme_list", pk=review.pk)
    return render(
        request, "throughcare/theme_form.html", {"review": review, "theme": theme, "form": form}
    )


@require_http_methods(["GET", "POST"])
def theme_delete(request, pk: int, theme_pk: int):
    review = review_for(request, pk, MANAGE)
    theme = _theme(review, theme_pk)
    if request.method == "POST":
        name = theme.name
        services.theme_delete(theme=theme, by=request.user, request=request)
        messages.success(request, THEME_DELETED.format(name=name))
        return redirect("throughcare:theme_list", pk=review.pk)
    return render(
        request,
        "throughcare/theme_delete.html",
        {"review": review, "theme": theme, "tags": theme.tags.count()},
    )


@require_http_methods(["GET", "POST"])
def theme_tag(request, pk: int):
    """Tag one page of written answers with themes."""
    review = review_for(request, pk, MANAGE)
    source = request.GET.get("source") or ""
    if source and source not in selectors.SURVEY_SOURCES:
        raise Http404("No such source")
    themes = list(selectors.themes_of(review=review))
    answers = selectors.free_text_answers(review=review, source=source or None).select_related(
        "question", "response__link"
    )
    page = Paginator(answers, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({"source": source}) if source else ""
    if request.method == "POST":
        answer_ids = [int(v) for v in request.POST.getlist("answer") if v.isdigit()]
        chosen = {
            answer_id: [int(v) for v in request.POST.getlist(f"themes-{answer_id}") if v.isdigit()]
            for answer_id in answer_ids
        }
        try:
            added, removed = services.theme_tags_set(
                review=review,
                answer_ids=answer_ids,
                chosen=chosen,
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, TAGS_SAVED.format(added=added, removed=removed))
        params = {"page": page.number, **({"source": source} if source else {})}
        return redirect(f"{request.path}?{urlencode(params)}")
    return render(
        request,
        "throughcare/theme_tag.html",
        {
            "review": review,
            "themes": themes,
            "rows": selectors.taggable_answers(review=review, answers=page.object_list),
            "page_obj": page,
            "paginator": page.paginator,
            "query": query,
            "source": source,
            "sources": selectors.SURVEY_SOURCES,
        },
    )


urlpatterns = [
    path("<int:pk>/themes/", theme_list, name="theme_list"),
    path("<int:pk>/themes/tag/", theme_tag, name="theme_tag"),
    path("<int:pk>/themes/<int:theme_pk>/edit/", theme_update, name="theme_update"),
    path("<int:pk>/themes/<int:theme_pk>/delete/", theme_delete, name="theme_delete"),
]
