"""Views for a review's surveys: links, response counts and rates, paper entry and results.

Every page finds its review through `review_for` (404 for anyone who may not see the review, 403
for someone on it without the permission): the review team manages surveys; managers see the
analysis too. An area's own staff never see these pages.

Paper questionnaires are typed in on the questionnaire engine's own form (the rows built by
`qi_framework.views_public` and its question template), with a one-time form token per showing.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from qi_framework.instruments import questions_of
from qi_framework.models import ResponseLink
from qi_framework.responses import (
    FORM_TOKEN_USED,
    AnswersInvalid,
    FormTokenRefused,
    response_link_url,
)
from qi_framework.views_public import _posted_answers, _sections
from retention.selectors import review_record_data_notice
from throughcare import selectors, services
from throughcare.services.surveys import NO_PRISON_SURVEY
from throughcare.views.common import review_for

MANAGE = "throughcare.manage_surveys"
VIEW = "throughcare.view_analysis"

PAPER_SAVED = "Paper questionnaire saved. The form is empty again for the next one."
PAPER_ALREADY_SAVED = "That questionnaire was already saved (the button was pressed twice)."
LINK_REVOKED = "The link has been cancelled: it no longer opens the survey."


def _no_store(response):
    # Pages that show a raw link or the form token must not be kept by the browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


def survey_list(request, pk: int):
    """The review's surveys: links, responses and rates per area, prison survey, interviews."""
    review = review_for(request, pk, VIEW)
    return render(
        request,
        "throughcare/survey_list.html",
        {
            "review": review,
            "retention_notice": review_record_data_notice(review=review),
            "links": selectors.survey_links(review=review),
            "rates": selectors.response_rates(review=review),
            "counts": selectors.prison_survey_counts(review=review),
            "sources": selectors.SURVEY_SOURCES,
            "may_manage": request.user.has_perm(MANAGE, review),
        },
    )


def _link_made(request, review, link, raw: str, *, area=None):
    return _no_store(
        render(
            request,
            "throughcare/survey_link_created.html",
            {"review": review, "link": link, "area": area, "url": response_link_url(raw)},
        )
    )


@require_POST
def survey_staff_link_create(request, pk: int, area_pk: int):
    """Make an area's staff survey link and show it, once."""
    review = review_for(request, pk, MANAGE)
    area = get_object_or_404(review.areas.select_related("activity__authority"), pk=area_pk)
    try:
        link, raw = services.staff_survey_link_create(area=area, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("throughcare:survey_list", pk=review.pk)
    return _link_made(request, review, link, raw, area=area)


@require_POST
def survey_prison_link_create(request, pk: int):
    """Make the general prison survey link and show it, once."""
    review = review_for(request, pk, MANAGE)
    try:
        link, raw = services.prison_survey_link_create(review=review, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("throughcare:survey_list", pk=review.pk)
    return _link_made(request, review, link, raw)


@require_http_methods(["GET", "POST"])
def survey_link_revoke(request, pk: int, link_pk: int):
    """Confirm, then cancel, a staff or prison survey link of the review."""
    review = review_for(request, pk, MANAGE)
    link = get_object_or_404(ResponseLink, pk=link_pk, revoked_at__isnull=True)
    if request.method == "POST":
        try:
            services.survey_link_revoke(review=review, link=link, by=request.user)
        except ApplicationError:
            raise Http404("No such link") from None
        messages.success(request, LINK_REVOKED)
        return redirect("throughcare:survey_list", pk=review.pk)
    links = selectors.survey_links(review=review)
    area = next((row.area for row in links.staff if row.link and row.link.pk == link.pk), None)
    if area is None and not (links.prison and links.prison.pk == link.pk):
        raise Http404("No such link")
    return render(
        request,
        "throughcare/survey_link_revoke.html",
        {"review": review, "link": link, "area": area},
    )


@require_http_methods(["GET", "POST"])
def survey_paper_entry(request, pk: int):
    """Type in one paper questionnaire of the prison survey."""
    review = review_for(request, pk, MANAGE)
    version = review.prison_survey_instrument
    if version is None:
        messages.error(request, NO_PRISON_SURVEY)
        return redirect("throughcare:survey_list", pk=review.pk)
    answers, errors = {}, {}
    form_token = ""
    if request.method == "POST":
        form_token = request.POST.get("form_token", "")
        answers = _posted_answers(request, [q for q in questions_of(version) if not q.is_derived])
        try:
            services.paper_response_submit(
                review=review, answers=answers, form_token=form_token, by=request.user
            )
        except FormTokenRefused as error:
            if error.message == FORM_TOKEN_USED:
                messages.info(request, PAPER_ALREADY_SAVED)
                return redirect("throughcare:survey_paper_entry", pk=review.pk)
            return render(
                request,
                "throughcare/survey_refused.html",
                {"review": review, "message": error.message},
                status=400,
            )
        except AnswersInvalid as error:
            errors = error.errors
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("throughcare:survey_list", pk=review.pk)
        else:
            messages.success(request, PAPER_SAVED)
            return redirect("throughcare:survey_paper_entry", pk=review.pk)
    else:
        try:
            _, form_token = services.paper_form_open(review=review, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("throughcare:survey_list", pk=review.pk)
    return _no_store(
        render(
            request,
            "throughcare/survey_paper_form.html",
            {
                "review": review,
                "sections": _sections(version, answers, errors),
                "errors": errors,
                "form_token": form_token,
                "paper_count": selectors.prison_responses(
                    review=review, channel=selectors.CHANNEL_PAPER
                ).count(),
            },
        )
    )


def survey_results(request, pk: int, source: str):
    """Each question's answers from one source, in words; the staff survey per area or all."""
    review = review_for(request, pk, VIEW)
    if source not in selectors.SURVEY_SOURCES:
        raise Http404("No such source")
    areas = list(review.areas.select_related("activity__authority"))
    area = None
    if source == selectors.SOURCE_STAFF and request.GET.get("area"):
        area = next((a for a in areas if str(a.pk) == request.GET["area"]), None)
        if area is None:
            raise Http404("No such area")
    return render(
        request,
        "throughcare/survey_results.html",
        {
            "review": review,
            "source": source,
            "source_label": selectors.SURVEY_SOURCES[source],
            "area": area,
            "areas": areas if source == selectors.SOURCE_STAFF else [],
            "responses": selectors.source_responses(
                review=review, source=source, area=area
            ).count(),
            "results": selectors.survey_results(review=review, source=source, area=area),
            "minimum": settings.STATISTICS_MIN_DENOMINATOR,
        },
    )


urlpatterns = [
    path("<int:pk>/surveys/", survey_list, name="survey_list"),
    path(
        "<int:pk>/surveys/areas/<int:area_pk>/link/",
        survey_staff_link_create,
        name="survey_staff_link_create",
    ),
    path("<int:pk>/surveys/prison-link/", survey_prison_link_create, name="survey_prison_link"),
    path(
        "<int:pk>/surveys/links/<int:link_pk>/cancel/",
        survey_link_revoke,
        name="survey_link_revoke",
    ),
    path("<int:pk>/surveys/paper/", survey_paper_entry, name="survey_paper_entry"),
    path("<int:pk>/surveys/results/<slug:source>/", survey_results, name="survey_results"),
]
