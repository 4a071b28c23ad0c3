"""Views for recall interviews: the review team lists, records and reads them.

Interviews are recorded on the questionnaire engine's form (rows built by
`qi_framework.views_public`), with a one-time form token per showing, so a double click stores
one interview. Only the review team and managers see them (`throughcare.view_analysis`).

Once the review's record-level data is deleted under the retention policy, the list and an
interview's page show the retention notice (with the frozen figure register) instead of an
empty list or a 404, and recording is refused with the service's message.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from qi_framework.instruments import questions_of
from qi_framework.responses import FORM_TOKEN_USED, AnswersInvalid, FormTokenRefused
from qi_framework.views_public import _posted_answers, _sections
from retention.views import record_data_deleted_response
from throughcare import selectors, services
from throughcare.services.surveys import NO_INTERVIEW_SCHEDULE
from throughcare.views.common import review_for

MANAGE = "throughcare.manage_surveys"
VIEW = "throughcare.view_analysis"

INTERVIEW_SAVED = "Interview {number} recorded."
INTERVIEW_ALREADY_SAVED = "That interview was already saved (the button was pressed twice)."


def interview_list(request, pk: int):
    review = review_for(request, pk, VIEW)
    deleted = record_data_deleted_response(request, review=review)
    if deleted is not None:
        return deleted
    interviews = selectors.recall_interviews(review=review)
    return render(
        request,
        "throughcare/interview_list.html",
        {
            "review": review,
            "interviews": interviews,
            "consented": sum(1 for i in interviews if i.consented),
            "may_record": request.user.has_perm(MANAGE, review),
        },
    )


@require_http_methods(["GET", "POST"])
def interview_create(request, pk: int):
    """Record one interview with a person recalled to prison."""
    review = review_for(request, pk, MANAGE)
    version = review.interview_instrument
    if version is None:
        messages.error(request, NO_INTERVIEW_SCHEDULE)
        return redirect("throughcare:interview_list", pk=review.pk)
    answers, errors = {}, {}
    if request.method == "POST":
        form_token = request.POST.get("form_token", "")
        answers = _posted_answers(request, [q for q in questions_of(version) if not q.is_derived])
        try:
            response = services.recall_interview_record(
                review=review, answers=answers, form_token=form_token, by=request.user
            )
        except FormTokenRefused as error:
            if error.message == FORM_TOKEN_USED:
                messages.info(request, INTERVIEW_ALREADY_SAVED)
                return redirect("throughcare:interview_list", pk=review.pk)
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
            return redirect("throughcare:interview_list", pk=review.pk)
        else:
            interview = selectors.recall_interview_get(review=review, pk=response.pk)
            messages.success(request, INTERVIEW_SAVED.format(number=interview.number))
            return redirect("throughcare:interview_detail", pk=review.pk, response_pk=response.pk)
    else:
        try:
            _, form_token = services.recall_interview_form_open(review=review, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("throughcare:interview_list", pk=review.pk)
    response = render(
        request,
        "throughcare/interview_form.html",
        {
            "review": review,
            "sections": _sections(version, answers, errors),
            "errors": errors,
            "form_token": form_token,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def interview_detail(request, pk: int, response_pk: int):
    review = review_for(request, pk, VIEW)
    deleted = record_data_deleted_response(request, review=review)
    if deleted is not None:
        return deleted
    interview = selectors.recall_interview_get(review=review, pk=response_pk)
    if interview is None:
        raise Http404("No such interview")
    return render(
        request,
        "throughcare/interview_detail.html",
        {
            "review": review,
            "interview": interview,
            "sections": selectors.recall_interview_answers(interview=interview),
        },
    )


urlpatterns = [
    path("<int:pk>/interviews/", interview_list, name="interview_list"),
    path("<int:pk>/interviews/new/", interview_create, name="interview_create"),
    path("<int:pk>/interviews/<int:response_pk>/", interview_detail, name="interview_detail"),
]
