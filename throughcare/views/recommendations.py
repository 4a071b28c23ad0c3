"""Views for recommendations to national partners, their tracking after publication, and
feedback to the commissioning subgroup."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.forms import add_service_errors
from throughcare import selectors, services
from throughcare.forms.recommendations import (
    RecommendationForm,
    RecommendationUpdateForm,
    SubgroupFeedbackForm,
)
from throughcare.models import ReviewRecommendation
from throughcare.services.recommendations import DRAFTING, TRACKING
from throughcare.views.common import review_for

MANAGE = "throughcare.manage_recommendations"


def recommendation_list(request, pk: int):
    review = review_for(request, pk)
    can_manage = request.user.has_perm(MANAGE, review)
    return render(
        request,
        "throughcare/recommendation_list.html",
        {
            "review": review,
            "recommendations": selectors.recommendation_list(review=review),
            "feedback": selectors.subgroup_feedback_list(review=review),
            "can_edit": can_manage and review.status in DRAFTING,
            "can_track": can_manage and review.status in TRACKING,
            "can_manage": can_manage,
        },
    )


@require_http_methods(["GET", "POST"])
def recommendation_create(request, pk: int):
    review = review_for(request, pk, MANAGE)
    form = RecommendationForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_create(
                review=review, by=request.user, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The recommendation has been added.")
            return redirect("throughcare:recommendation_list", pk=review.pk)
    return render(request, "throughcare/recommendation_form.html", {"review": review, "form": form})


@require_http_methods(["GET", "POST"])
def recommendation_update(request, pk: int, rec_pk: int):
    review = review_for(request, pk, MANAGE)
    recommendation = get_object_or_404(ReviewRecommendation, pk=rec_pk, review=review)
    initial = {
        "text": recommendation.text,
        "owner": recommendation.owner,
        "quality_indicators": list(recommendation.quality_indicators.all()),
    }
    form = RecommendationForm(
        request.POST or None, initial=initial, review=review, button="Save changes"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_update(
                recommendation=recommendation,
                by=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The recommendation has been saved.")
            return redirect("throughcare:recommendation_list", pk=review.pk)
    return render(
        request,
        "throughcare/recommendation_form.html",
        {"review": review, "form": form, "recommendation": recommendation},
    )


@require_POST
def recommendation_move(request, pk: int, rec_pk: int, direction: str):
    review = review_for(request, pk, MANAGE)
    recommendation = get_object_or_404(ReviewRecommendation, pk=rec_pk, review=review)
    try:
        services.recommendation_move(
            recommendation=recommendation, up=direction == "up", by=request.user, request=request
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("throughcare:recommendation_list", pk=review.pk)


@require_http_methods(["GET", "POST"])
def recommendation_track(request, pk: int, rec_pk: int):
    review = review_for(request, pk, MANAGE)
    recommendation = get_object_or_404(ReviewRecommendation, pk=rec_pk, review=review)
    form = RecommendationUpdateForm(request.POST or None, initial={"status": recommendation.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_track(
                recommendation=recommendation, by=request.user, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The update has been recorded.")
            return redirect("throughcare:recommendation_list", pk=review.pk)
    return render(
        request,
        "throughcare/recommendation_track.html",
        {"review": review, "form": form, "recommendation": recommendation},
    )


@require_http_methods(["GET", "POST"])
def subgroup_feedback_create(request, pk: int):
    review = review_for(request, pk, MANAGE)
    form = SubgroupFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.subgroup_feedback_record(
                review=review, by=request.user, request=request, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The feedback has been recorded.")
            return redirect("throughcare:recommendation_list", pk=review.pk)
    return render(
        request, "throughcare/subgroupfeedback_form.html", {"review": review, "form": form}
    )


urlpatterns = [
    path("<int:pk>/recommendations/", recommendation_list, name="recommendation_list"),
    path("<int:pk>/recommendations/new/", recommendation_create, name="recommendation_create"),
    path(
        "<int:pk>/recommendations/<int:rec_pk>/",
        recommendation_update,
        name="recommendation_update",
    ),
    path(
        "<int:pk>/recommendations/<int:rec_pk>/move/<str:direction>/",
        recommendation_move,
        name="recommendation_move",
    ),
    path(
        "<int:pk>/recommendations/<int:rec_pk>/progress/",
        recommendation_track,
        name="recommendation_track",
    ),
    path("<int:pk>/feedback/new/", subgroup_feedback_create, name="subgroup_feedback_create"),
]
