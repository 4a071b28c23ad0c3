"""Views for thematic reviews: list, set-up, home page, lifecycle, areas and team.

Each view finds the review among those the person may see (anyone else gets a 404), checks the
permission for what it does (403 when the person may see but not do), and calls one service.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Assignment
from accounts.selectors import assignments_for
from core.exceptions import ApplicationError
from core.forms import add_service_errors
from qi_framework.models import ScrutinyKind
from qi_framework.selectors import framework_current
from throughcare import selectors, services
from throughcare.assignments import REVIEW_INSPECTOR, REVIEW_LEAD
from throughcare.forms.reviews import (
    AreaAddForm,
    PersonAddForm,
    ReviewForm,
    ReviewTransitionForm,
    inspectors,
)
from throughcare.models import ReviewArea, ThematicReview
from throughcare.services.reviews import BACKWARD, FORWARD, INSTRUMENT_CODES
from throughcare.views.common import STATUS_TAGS, review_for

S = ThematicReview.Status
AREAS_REMOVABLE = {S.PLANNED, S.FIELDWORK}
FORWARD_LABELS = {
    S.FIELDWORK: "Start fieldwork",
    S.ANALYSIS: "Start analysis",
    S.REPORTING: "Start reporting",
    S.PUBLISHED: "Mark as published",
    S.FOLLOW_UP: "Start follow-up",
    S.CLOSED: "Close the review",
}
DETAIL_FIELDS = (
    "title",
    "commissioned_by",
    "focus",
    "starts_on",
    "fieldwork_start",
    "fieldwork_end",
    "target_publication",
    *INSTRUMENT_CODES,
)


def _url_or_blank(name: str, **kwargs) -> str:
    """Return the URL of a page another part of the review provides, or "" if it has none yet."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def review_list(request):
    if not request.user.has_perm("throughcare.view_review_list"):
        raise PermissionDenied
    reviews = list(selectors.reviews_visible_to(user=request.user))
    for review in reviews:
        review.status_tag = STATUS_TAGS.get(review.status, "")
        if request.user.has_perm("throughcare.view_review", review):
            review.own_areas = None
        else:
            review.own_areas = list(selectors.areas_visible_to(user=request.user, review=review))
    return render(
        request,
        "throughcare/review_list.html",
        {
            "reviews": reviews,
            "can_create": request.user.has_perm("throughcare.create_review"),
        },
    )


@require_http_methods(["GET", "POST"])
def review_create(request):
    if not request.user.has_perm("throughcare.create_review"):
        raise PermissionDenied
    framework = framework_current()
    defaults = services.review_default_instruments()
    initial = {
        "quality_indicators": services.review_default_qis(framework=framework) if framework else [],
        "lead": request.user.pk if inspectors().filter(pk=request.user.pk).exists() else None,
        **defaults,
    }
    form = ReviewForm(request.POST or None, initial=initial, framework=framework)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        lead = data.pop("lead")
        try:
            review = services.review_create(lead=lead, by=request.user, request=request, **data)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{review.title}” has been set up.")
            return redirect("throughcare:review_detail", pk=review.pk)
    return render(request, "throughcare/review_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def review_update(request, pk: int):
    review = review_for(request, pk, "throughcare.manage_review")
    initial = {name: getattr(review, name) for name in DETAIL_FIELDS}
    initial["quality_indicators"] = list(review.quality_indicators.all())
    form = ReviewForm(
        request.POST or None, initial=initial, framework=review.framework, create=False
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        qis = data.pop("quality_indicators")
        try:
            services.review_update(review=review, by=request.user, request=request, **data)
            services.review_set_qis(
                review=review, quality_indicators=qis, by=request.user, request=request
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The review’s details have been saved.")
            return redirect("throughcare:review_detail", pk=review.pk)
    return render(request, "throughcare/review_form.html", {"form": form, "review": review})


def _moves(request, review: ThematicReview) -> list[dict]:
    if not request.user.has_perm("throughcare.manage_review", review):
        return []
    moves = []
    forward = FORWARD.get(review.status)
    if forward == S.PUBLISHED:
        # Publishing freezes the national report's figure register: it is done from the
        # report's page (throughcare.services.national_report_publish), never as a bare move.
        url = reverse("throughcare:output_national", kwargs={"pk": review.pk})
        moves.append({"to": "", "label": "Publish the national report", "href": url})
    elif forward:
        moves.append({"to": forward, "label": FORWARD_LABELS[forward], "backward": False})
    backward = BACKWARD.get(review.status)
    if backward:
        label = f"Move back to {S(backward).label.lower()}"
        moves.append({"to": backward, "label": label, "backward": True})
    return moves


def review_detail(request, pk: int):
    review = review_for(request, pk)
    user = request.user
    areas = selectors.areas_visible_to(user=user, review=review)
    team = assignments_for(target=review).filter(kind__in=(REVIEW_LEAD, REVIEW_INSPECTOR))
    qis = list(review.quality_indicators.order_by("position"))
    return render(
        request,
        "throughcare/review_detail.html",
        {
            "review": review,
            "status_tag": STATUS_TAGS.get(review.status, ""),
            "moves": _moves(request, review),
            "qis": qis,
            "lead": [a for a in team if a.kind == REVIEW_LEAD],
            "review_inspectors": [a for a in team if a.kind == REVIEW_INSPECTOR],
            "progress": selectors.review_progress(review=review, areas=areas),
            "step_names": [name for _, name in selectors.STEP_KEYS],
            "can_manage": user.has_perm("throughcare.manage_review", review),
            "can_manage_recommendations": user.has_perm(
                "throughcare.manage_recommendations", review
            ),
            "can_view_analysis": user.has_perm("throughcare.view_analysis", review),
            "illustration_kind": ScrutinyKind.THROUGHCARE_REVIEW,
            "triangulation_urls": [
                (qi, _url_or_blank("throughcare:triangulation_detail", pk=review.pk, code=qi.code))
                for qi in qis
            ],
            "links": [
                (label, url)
                for label, url, permission in (
                    (
                        "Surveys",
                        _url_or_blank("throughcare:survey_list", pk=review.pk),
                        "throughcare.manage_surveys",
                    ),
                    (
                        "Interviews with people recalled to prison",
                        _url_or_blank("throughcare:interview_list", pk=review.pk),
                        "throughcare.manage_surveys",
                    ),
                    (
                        "Themes in free-text answers",
                        _url_or_blank("throughcare:theme_list", pk=review.pk),
                        "throughcare.view_analysis",
                    ),
                    (
                        "Triangulation: what each source says",
                        _url_or_blank("throughcare:triangulation_index", pk=review.pk),
                        "throughcare.view_analysis",
                    ),
                    (
                        "National report",
                        _url_or_blank("throughcare:output_national", pk=review.pk),
                        "throughcare.view_national_report",
                    ),
                )
                if url and user.has_perm(permission, review)
            ],
        },
    )


@require_http_methods(["GET", "POST"])
def review_transition(request, pk: int):
    review = review_for(request, pk, "throughcare.manage_review")
    to = request.POST.get("to") or request.GET.get("to") or ""
    move = next((m for m in _moves(request, review) if to and m["to"] == to), None)
    if move is None:
        messages.error(request, "That move is not possible now.")
        return redirect("throughcare:review_detail", pk=review.pk)
    form = ReviewTransitionForm(
        request.POST if request.method == "POST" else None,
        initial={"to": to},
        with_reason=move["backward"],
        button=move["label"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_transition(
                review=review,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data.get("reason", ""),
                by=request.user,
                request=request,
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The review is now at: {S(to).label.lower()}.")
            return redirect("throughcare:review_detail", pk=review.pk)
    return render(
        request,
        "throughcare/review_transition.html",
        {"review": review, "form": form, "move": move},
    )


# --- Areas and team ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def review_team(request, pk: int):
    """The review team and the participating areas: add or remove people and areas."""
    review = review_for(request, pk)
    can_manage = request.user.has_perm("throughcare.manage_review", review)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    area_form = AreaAddForm(review=review)
    people = inspectors()
    lead_form = PersonAddForm(people=people, label="Who will lead the review?", button="Add lead")
    inspector_form = PersonAddForm(
        people=people, label="Who will be a review inspector?", button="Add review inspector"
    )
    action = request.POST.get("action", "")
    try:
        if action == "add_area":
            area_form = AreaAddForm(request.POST, review=review)
            if area_form.is_valid():
                area = services.review_area_add(
                    review=review,
                    authority=area_form.cleaned_data["authority"],
                    by=request.user,
                    request=request,
                )
                messages.success(request, f"{area.activity.authority.name} has been added.")
                return redirect("throughcare:review_team", pk=review.pk)
        elif action in {"add_lead", "add_inspector"}:
            form = PersonAddForm(request.POST, people=people, label="Person")
            if action == "add_lead":
                lead_form = form
            else:
                inspector_form = form
            if form.is_valid():
                user = form.cleaned_data["user"]
                services.review_team_assign(
                    review=review,
                    user=user,
                    kind=REVIEW_LEAD if action == "add_lead" else REVIEW_INSPECTOR,
                    by=request.user,
                    request=request,
                )
                messages.success(request, f"{user.name} has been added to the team.")
                return redirect("throughcare:review_team", pk=review.pk)
    except ApplicationError as error:
        target = {"add_area": area_form, "add_lead": lead_form}.get(action, inspector_form)
        add_service_errors(target, error)
    team = (
        assignments_for(target=review)
        .filter(kind__in=(REVIEW_LEAD, REVIEW_INSPECTOR))
        .order_by("-kind", "user__name")
    )
    return render(
        request,
        "throughcare/review_team.html",
        {
            "review": review,
            "team": team,
            "has_lead": any(a.kind == REVIEW_LEAD for a in team),
            "areas": selectors.areas_visible_to(user=request.user, review=review),
            "can_manage": can_manage,
            "can_remove_areas": can_manage and review.status in AREAS_REMOVABLE,
            "area_form": area_form,
            "lead_form": lead_form,
            "inspector_form": inspector_form,
        },
    )


@require_POST
def review_team_remove(request, pk: int, assignment_pk: int):
    review = review_for(request, pk, "throughcare.manage_review")
    assignment = get_object_or_404(
        Assignment.objects.select_related("user", "target_type"), pk=assignment_pk
    )
    try:
        services.review_team_remove(
            review=review, assignment=assignment, by=request.user, request=request
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{assignment.user.name} has been taken off the team.")
    return redirect("throughcare:review_team", pk=review.pk)


@require_POST
def review_area_remove(request, pk: int, area_pk: int):
    review = review_for(request, pk, "throughcare.manage_review")
    area = get_object_or_404(
        ReviewArea.objects.select_related("activity__authority"), pk=area_pk, review=review
    )
    name = area.activity.authority.name
    try:
        services.review_area_remove(area=area, by=request.user, request=request)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{name} has been taken out of the review.")
    return redirect("throughcare:review_team", pk=review.pk)


urlpatterns = [
    path("", review_list, name="review_list"),
    path("new/", review_create, name="review_create"),
    path("<int:pk>/", review_detail, name="review_detail"),
    path("<int:pk>/edit/", review_update, name="review_update"),
    path("<int:pk>/status/", review_transition, name="review_transition"),
    path("<int:pk>/team/", review_team, name="review_team"),
    path(
        "<int:pk>/team/<int:assignment_pk>/remove/",
        review_team_remove,
        name="review_team_remove",
    ),
    path("<int:pk>/areas/<int:area_pk>/remove/", review_area_remove, name="review_area_remove"),
]
