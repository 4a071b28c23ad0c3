"""Fixtures for partnerships: two exercises in two partnerships, with their people."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Organisation, Role, User
from partnerships import services
from partnerships.models import Exercise, ExerciseQI, PartnerOrganisation
from tests.factories import person

AYRSHIRE = "ayrshire-community-justice-partnership"
CLACKS = "clackmannanshire-community-justice-partnership"


@dataclass
class Setup:
    exercise: Exercise
    member: User
    inspector: User
    hmics: User | None
    partner: PartnerOrganisation

    @property
    def qis(self) -> list[ExerciseQI]:
        return list(self.exercise.qis.select_related("quality_indicator"))

    def qi(self, code: str) -> ExerciseQI:
        return self.exercise.qis.select_related("quality_indicator", "exercise").get(
            quality_indicator__code=code
        )


def make_setup(framework, slug: str, *, hmics: bool = True, title: str | None = None) -> Setup:
    partnership = Organisation.objects.get(slug=slug)
    inspector = person(Role.INSPECTOR)
    hmics_inspector = person(Role.HMICS_INSPECTOR) if hmics else None
    exercise = services.exercise_create(
        partnership=partnership,
        title=title or f"{partnership.name} self-evaluation",
        start_date=dt.date(2018, 11, 1),
        framework=framework,
        strategic_inspector=inspector,
        hmics_inspector=hmics_inspector,
    )
    partner = services.partner_add(
        partnership=partnership,
        name=f"{partnership.name} health board",
        kind=PartnerOrganisation.Kind.HEALTH_BOARD,
        representative={"name": "Dr Morag Chair", "role_title": "Chair", "is_chair": True},
    )
    return Setup(
        exercise, person(Role.PARTNERSHIP_MEMBER, slug), inspector, hmics_inspector, partner
    )


def answer_all(setup: Setup, *, grade: int = 4, text: str = "We work well together.") -> None:
    for qi in setup.qis:
        if services.qi_is_editable(qi):
            services.qi_answers_save(
                exercise_qi=qi,
                how_good_now=f"{text} ({qi.quality_indicator.code})",
                how_do_we_know="Minutes of the partnership board.",
                how_good_can_we_be="Involve local businesses.",
                grade=grade,
                contributors=[setup.partner],
                by=setup.member,
            )


def pdf_upload(name: str = "minutes.pdf") -> SimpleUploadedFile:
    from tests.core.sample_files import pdf

    return SimpleUploadedFile(name, pdf(), content_type="application/pdf")


def to_feedback(setup: Setup, *, decisions: dict[str, str] | None = None) -> Exercise:
    """Submit, analyse, decide every QI, conclude: the exercise ready to publish."""
    answer_all(setup)
    services.exercise_submit(exercise=setup.exercise, by=setup.member)
    services.exercise_transition(exercise=setup.exercise, to="analysis", by=setup.inspector)
    services.exercise_transition(exercise=setup.exercise, to="feedback", by=setup.inspector)
    for qi in setup.qis:
        decision = (decisions or {}).get(qi.quality_indicator.code, "validated")
        services.qi_decide(
            exercise_qi=qi,
            decision=decision,
            reasons="Evidence was thin." if decision == "not_validated" else "",
            strengths=f"Strong collaboration on {qi.quality_indicator.code}.",
            areas_for_improvement="Involve the courts service.",
            by=setup.inspector,
        )
    services.exercise_conclusion_save(
        exercise=setup.exercise,
        method="",
        confidence_statement="We are confident the partnership is well placed to improve.",
        next_steps="Share the learning with other partnerships.",
        feedback_date=dt.date(2019, 2, 20),
        feedback_notes="",
        by=setup.inspector,
    )
    setup.exercise.refresh_from_db()
    return setup.exercise


@pytest.fixture
def ayrshire(framework) -> Setup:
    return make_setup(framework, AYRSHIRE)


@pytest.fixture
def clacks(framework) -> Setup:
    return make_setup(framework, CLACKS, hmics=True)


@pytest.fixture
def sent(monkeypatch):
    """Record the render messages sent instead of sending them; a list of document ids."""
    ids: list[int] = []
    monkeypatch.setattr("reports.services._send", ids.append)
    return ids
