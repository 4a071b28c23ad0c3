"""Demo data: the 2021 throughcare review's surveys, recall interviews and themes.

Runs after the review itself (throughcare.demo, order 70) and does nothing if that review is
absent or already has survey responses, so `load_demo` can run twice. Answers are drawn from
fixed seeds, leaning towards each area's quality in the review's demo, so the results differ
between areas but are the same on every machine. Link tokens are not printed or kept: the team
makes a new link on the surveys page to try the survey.
"""

import datetime as dt
import random

from django.db import transaction

from core.demo import DemoContext, register_demo_step
from qi_framework.responses import form_token_issue, response_submit
from throughcare import selectors, services
from throughcare.models import ThematicReview

# Area quality as in throughcare.demo (0 weak … 1 excellent); other areas are middling.
QUALITY = {"glasgow-city": 0.72, "fife": 0.66, "highland": 0.6}
PRISON_ONLINE, PRISON_PAPER, INTERVIEWS = 22, 8, 10

AGREE = ("strongly_agree", "agree", "neither", "disagree", "strongly_disagree", "dont_know")
CONFIDENT = ("very_confident", "confident", "not_very_confident", "not_confident")
HELPED = ("yes_enough", "yes_not_enough", "no_needed", "no_not_needed")
WORKS_WELL = [
    "Good joint working with the prison-based social work team before release.",
    "Team leaders are available to talk through breach decisions.",
    "Housing officers come to pre-release meetings.",
    "Peer mentors meet people at the gate on the day of release.",
    "Regular case discussions about people on licence.",
]
WOULD_HELP = [
    "Getting the LS/CMI from the prison in time to plan for release.",
    "A learning pathway for throughcare staff, including parole hearings.",
    "Housing in place before release rather than on the day.",
    "More time to prepare for parole oral hearings and support afterwards.",
    "Clearer guidance on when a breach report is needed.",
    "Training on risk management plans for short-term licences.",
]
PRISON_HELP = [
    "Somewhere to live on the day I got out.",
    "Help with money until my benefits started.",
    "Seeing my social worker before I was released.",
    "Support with drugs when I got out, not weeks later.",
    "Someone to explain my licence conditions properly.",
    "Being able to get a GP appointment straight away.",
]
INTERVIEW_NOTES = [
    "No address until the afternoon of release; stayed with a friend in the same area.",
    "Saw the social worker weekly at first; felt listened to.",
    "Did not know that missing appointments could lead to recall.",
    "Benefits took five weeks to start; borrowed money.",
    "Would have liked help with drug use straight after release.",
]
# Themes and the words that mark an answer as belonging to them.
THEMES = {
    "Accommodation on release": ("address", "live", "housing", "flat", "stayed"),
    "Sharing assessments from prison": ("ls/cmi", "from the prison", "assessment"),
    "Learning and training": ("training", "learning", "guidance"),
    "Parole hearings": ("parole", "hearing"),
    "Income and benefits": ("money", "benefits"),
    "Substance use and health": ("drug", "gp", "health"),
}


def _weights(values, quality: float) -> list[float]:
    """Lean answers towards the positive end as the area's quality rises."""
    n = len(values)
    return [max(0.05, quality * (n - i) + (1 - quality) * (i + 1)) for i in range(n)]


def _pick(rng: random.Random, values, quality: float) -> str:
    return rng.choices(values, weights=_weights(values, quality))[0]


def _staff_answers(rng: random.Random, quality: float) -> dict:
    agree = AGREE[:5]
    answers = {
        "role": rng.choice(["social_worker"] * 5 + ["social_work_assistant", "team_leader"]),
        "years_throughcare": rng.choice(["under_1", "1_to_3", "4_to_10", "4_to_10", "over_10"]),
        "confidence_pre_release": _pick(rng, CONFIDENT, quality),
        "pre_release_partners": _pick(rng, agree, quality),
        "lscmi_process_works": _pick(rng, agree, quality - 0.25),
        "lscmi_shared_on_time": _pick(rng, agree, quality - 0.35),
        "breach_process_clear": _pick(rng, agree, quality + 0.15),
        "recall_decisions_fair": _pick(rng, agree, quality + 0.1),
        "training_adequate": _pick(rng, agree, quality - 0.3),
        "training_wanted": rng.sample(["lscmi", "risk", "parole", "trauma", "mental_health"], 2),
    }
    if rng.random() < 0.3:
        answers["parole_hearings_supported"] = _pick(rng, agree, quality - 0.3)
    if rng.random() < 0.6:
        answers["works_well"] = rng.choice(WORKS_WELL)
    if rng.random() < 0.7:
        answers["would_help"] = rng.choice(WOULD_HELP)
    return answers


def _prison_answers(rng: random.Random) -> dict:
    answers = {
        "recalled_times": rng.choice(["once", "once", "two_three", "more", "prefer_not"]),
        "licence_kind": rng.choice(["long_term", "short_term", "extended", "dont_know"]),
        "contact_before_release": rng.choice(["yes", "yes", "no", "not_sure"]),
        "help_accommodation": _pick(rng, HELPED, 0.4),
        "help_income": _pick(rng, HELPED, 0.45),
        "help_health": _pick(rng, HELPED, 0.5),
        "understood_conditions": rng.choice(["yes", "yes", "yes", "no", "not_sure"]),
        "social_worker_relationship": rng.choice(
            ["very_good", "good", "good", "ok", "poor", "no_contact"]
        ),
        "warned_before_recall": rng.choice(["yes", "no", "no", "not_sure"]),
        "before_recall": rng.sample(
            ["housing", "money", "drugs_alcohol", "missed_appointments"], 2
        ),
        "recall_fair": rng.choice(["yes", "no", "not_sure"]),
    }
    if rng.random() < 0.75:
        answers["what_would_help"] = rng.choice(PRISON_HELP)
    return answers


def _interview_answers(rng: random.Random, n: int) -> dict:
    day = dt.date(2021, 5, 10) + dt.timedelta(days=4 * n)
    answers = {"interview_date": f"{day:%d/%m/%Y}", "consent_given": "yes" if n != 3 else "no"}
    if answers["consent_given"] == "yes":
        answers |= {
            "licence_kind": rng.choice(["long_term", "short_term", "extended"]),
            "prepared_for_release": rng.choice(["yes", "no", "no"]),
            "accommodation_on_release": rng.choice(["yes", "no"]),
            "release_notes": rng.choice(INTERVIEW_NOTES),
            "relationship_rating": str(rng.choice([2, 3, 4, 4, 5])),
            "understood_conditions": rng.choice(["yes", "yes", "no"]),
            "warned_before_recall": rng.choice(["yes", "no"]),
            "recall_understood": rng.choice(["yes", "yes", "no"]),
            "recall_fair": rng.choice(["yes", "no"]),
            "could_have_helped": rng.choice(PRISON_HELP),
        }
    return answers


def _submit(raw_token: str, link, answers: dict) -> None:
    response_submit(raw_token=raw_token, answers=answers, form_token=form_token_issue(link=link))


def _tag(review: ThematicReview, by) -> None:
    themes = {name: services.theme_create(review=review, name=name, by=by).pk for name in THEMES}
    answers = list(selectors.free_text_answers(review=review).values_list("pk", "value_text"))
    chosen = {
        pk: [
            themes[name] for name, words in THEMES.items() if any(w in text.lower() for w in words)
        ]
        for pk, text in answers
    }
    services.theme_tags_set(review=review, answer_ids=list(chosen), chosen=chosen, by=by)


def _has_responses(review: ThematicReview) -> bool:
    return any(
        selectors.source_responses(review=review, source=source).exists()
        for source in selectors.SURVEY_SOURCES
    )


@register_demo_step(order=71)
def demo_throughcare_surveys(context: DemoContext) -> None:
    """Add staff survey responses per area, the prison survey, interviews and themes."""
    from throughcare.demo import demo_review  # the review made by the step before (order 70)

    review = demo_review()
    if review is None or _has_responses(review):
        return
    lead = review.created_by or context.people.get("inspector2")
    with transaction.atomic():
        for area in review.areas.select_related("activity__authority"):
            slug = area.activity.authority.slug
            rng = random.Random(f"demo-throughcare-survey:{slug}")
            quality = QUALITY.get(slug, 0.55)
            link, raw = services.staff_survey_link_create(area=area, by=lead)
            count = rng.randint(20, 40)
            if area.staff_survey_population:
                count = min(count, area.staff_survey_population)
            for _ in range(count):
                _submit(raw, link, _staff_answers(rng, quality))
        rng = random.Random("demo-throughcare-survey:prison")
        link, raw = services.prison_survey_link_create(review=review, by=lead)
        for _ in range(PRISON_ONLINE):
            _submit(raw, link, _prison_answers(rng))
        for _ in range(PRISON_PAPER):
            _, form_token = services.paper_form_open(review=review, by=lead)
            services.paper_response_submit(
                review=review, answers=_prison_answers(rng), form_token=form_token, by=lead
            )
        rng = random.Random("demo-throughcare-survey:interviews")
        for n in range(INTERVIEWS):
            _, form_token = services.recall_interview_form_open(review=review, by=lead)
            services.recall_interview_record(
                review=review, answers=_interview_answers(rng, n), form_token=form_token, by=lead
            )
        _tag(review, lead)
