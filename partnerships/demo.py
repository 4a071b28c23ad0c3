"""Demo data: the five partnerships of 2018-2021 at different stages of their self-evaluation.

North Lanarkshire (no HMICS) and Clackmannanshire have published letters; Shetland is at
follow-up; Ayrshire (three authorities) is drafting, for the demo partnership member; East
Lothian is being supported. Letters are rendered as the demo's transaction commits (in-process
without REDIS_URL, by a worker with it). The published ones record that the feedback
questionnaire was sent (a single-use link whose token is neither emailed nor printed).
"""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, Organisation, Role, User
from core.demo import DEMO_PASSWORD, DemoContext, DemoLogin, register_demo_step
from partnerships import services
from partnerships.models import Exercise, PartnerOrganisation
from qi_framework.selectors import framework_current

Kind = PartnerOrganisation.Kind

PARTNERS = [
    ("NHS {board}", Kind.HEALTH_BOARD, "Director of Public Health"),
    ("Police Scotland, {area} division", Kind.POLICE, "Local Area Commander"),
    ("Scottish Fire and Rescue Service", Kind.FIRE, "Local Senior Officer"),
    ("Skills Development Scotland", Kind.SDS, "Area Manager"),
    ("{area} Health and Social Care Partnership", Kind.IJB, "Chief Officer"),
    ("Scottish Prison Service", Kind.MINISTERS, "Throughcare Manager"),
    ("{area} Third Sector Interface", Kind.THIRD_SECTOR, "Chief Executive"),
]

NAMES = [
    "Fiona Dunn", "Graham Reid", "Aileen Boyd", "Stuart Blair", "Moira Kerr", "Colin Fraser",
    "Ruth Ogilvie", "Neil Paterson", "Eilidh Munro", "Andrew Souter",
]  # fmt: skip

EXERCISES = [
    # slug, area, health board, start, stage, hmics, member (name, email)
    ("north-lanarkshire-community-justice-partnership", "North Lanarkshire", "Lanarkshire",
     dt.date(2018, 9, 3), "published", False, ("Rona Baird", "north-lanarkshire@demo.test")),
    ("clackmannanshire-community-justice-partnership", "Clackmannanshire", "Forth Valley",
     dt.date(2018, 11, 5), "published", True, ("Duncan Muir", "clackmannanshire@demo.test")),
    ("shetland-community-justice-partnership", "Shetland", "Shetland",
     dt.date(2019, 9, 2), "follow_up", True, ("Inga Tulloch", "shetland@demo.test")),
    ("ayrshire-community-justice-partnership", "Ayrshire", "Ayrshire and Arran",
     dt.date(2019, 4, 1), "drafting", True, None),
    ("east-lothian-community-justice-partnership", "East Lothian", "Lothian",
     dt.date(2020, 1, 13), "support", True, ("Kirsty Laing", "east-lothian@demo.test")),
]  # fmt: skip

ANSWERS = {
    "6.2": (
        "Partners have worked together for many years through the community safety "
        "partnership.\n\n- Strong third sector involvement\n- The courts service rarely attends",
        "Attendance records of the partnership board, the strategic needs assessment and "
        "feedback from Community Justice Scotland on our outcome improvement plan.",
        "Involve local businesses and agree a protocol with the courts service.",
        4,
    ),
    "8.1": (
        "Budgets are pooled for two shared services; most partners align resources to the plan.",
        "Finance reports to the board and the evaluation of the shared employability service.",
        "Agree a joint commissioning approach for the next plan period.",
        4,
    ),
    "9.2": (
        "The chair provides clear direction and partners share a vision for community justice.",
        "Minutes, the annual report and a survey of partners (18 responses).",
        "Build a culture of continuous improvement through annual joint self-evaluation.",
        5,
    ),
}


def _pdf(text: str) -> bytes:
    """A tiny valid one-page PDF showing `text`."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _member(slug: str, name: str, email: str, context: DemoContext) -> User:
    organisation = Organisation.objects.get(slug=slug)
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, name=name, password=DEMO_PASSWORD
    )
    Membership.objects.update_or_create(
        user=user, organisation=organisation, role=Role.PARTNERSHIP_MEMBER,
        defaults={"is_active": True},
    )  # fmt: skip
    context.logins.append(
        DemoLogin(role=Role.PARTNERSHIP_MEMBER.label, name=name, email=email,
                  organisation=organisation.name)
    )  # fmt: skip
    return user


@register_demo_step(order=40)
def demo_partnerships(context: DemoContext) -> None:
    framework = framework_current()
    inspector, hmics = context.people["inspector"], context.people["hmics"]
    for slug, area, board, start, stage, with_hmics, member_info in EXERCISES:
        partnership = Organisation.objects.get(slug=slug)
        title = f"{area} supported and validated self-evaluation {start.year}"
        if member_info:
            member = _member(slug, *member_info, context)
        else:
            member = context.people["partnership_member"]
        if Exercise.objects.filter(partnership=partnership, title=title).exists():
            continue
        rows = [
            (f"{authority.name} Council", Kind.LOCAL_AUTHORITY, "Head of Justice Social Work")
            for authority in partnership.covers.all()
        ] + [(name.format(area=area, board=board), kind, role) for name, kind, role in PARTNERS]
        partners = [
            services.partner_add(
                partnership=partnership,
                name=name,
                kind=kind,
                representative={
                    "name": NAMES[index % len(NAMES)],
                    "role_title": role,
                    "is_chair": index == 0,
                },
            )
            for index, (name, kind, role) in enumerate(rows)
        ]
        exercise = services.exercise_create(
            partnership=partnership, title=title, start_date=start, framework=framework,
            strategic_inspector=inspector, hmics_inspector=hmics if with_hmics else None,
            submission_due=start + dt.timedelta(weeks=10), by=inspector,
        )  # fmt: skip
        services.session_record(
            exercise=exercise, date=start + dt.timedelta(weeks=2), attendee_count=14,
            attendees="Representatives of every statutory partner and the third sector interface",
            notes="Introduced the quality indicators and the three questions.", by=inspector,
        )  # fmt: skip
        if stage == "support":
            continue
        services.exercise_transition(exercise=exercise, to="drafting", by=inspector)
        qis = list(exercise.qis.select_related("quality_indicator"))
        for position, qi in enumerate(qis):
            now, know, can_be, grade = ANSWERS[qi.quality_indicator.code]
            if stage == "drafting" and position == 2:
                now, know, can_be, grade = now, "", "", None  # still being written
            services.qi_answers_save(
                exercise_qi=qi, how_good_now=now, how_do_we_know=know, how_good_can_we_be=can_be,
                grade=grade, contributors=partners[:3] + partners[-1:], by=member,
            )  # fmt: skip
            if position < 2 or stage != "drafting":
                services.evidence_add(
                    exercise_qi=qi,
                    file=SimpleUploadedFile(
                        f"{area} board minutes {qi.quality_indicator.code}.pdf",
                        _pdf(f"{area} partnership board minutes"),
                    ),
                    answer="know",
                    claim="Board minutes show every statutory partner attending",
                    by=member,
                )
        services.comment_add(
            exercise_qi=qis[0], by=inspector,
            body="Your answer is strong. Could you say how you know the plan is working?",
        )  # fmt: skip
        if stage == "drafting":
            continue
        services.exercise_submit(exercise=exercise, by=member)
        services.exercise_transition(exercise=exercise, to="analysis", by=inspector)
        area_of_doubt = services.uncertainty_add(
            exercise_qi=qis[1], text="How resources are shared with the third sector.", by=inspector
        )
        services.exercise_transition(exercise=exercise, to="follow_up", by=inspector)
        services.follow_up_record(
            exercise=exercise, kind="focus_group", date=start + dt.timedelta(weeks=14),
            participants="Third sector partners (8)", resolves=[area_of_doubt],
            notes="Partners described pooled funding for two services.", by=inspector,
        )  # fmt: skip
        if stage == "follow_up":
            continue
        services.exercise_transition(exercise=exercise, to="feedback", by=inspector)
        for qi in qis:
            services.qi_decide(
                exercise_qi=qi, decision="validated", by=inspector,
                strengths="Collaboration between partners is a key strength.",
                areas_for_improvement="Involve the courts service and local businesses.",
            )  # fmt: skip
        services.exercise_conclusion_save(
            exercise=exercise, method="", feedback_notes="", by=inspector,
            confidence_statement=(
                "We are confident the partnership is well placed to establish a shared culture "
                "of continuous improvement."
            ),
            next_steps="The partnership will build the findings into its next improvement plan.",
            feedback_date=start + dt.timedelta(weeks=16),
            end_date=start + dt.timedelta(weeks=16),
        )  # fmt: skip
        # The first publication would email the feedback questionnaire; the demo records the
        # sending (a real single-use link) without an email, so no token reaches the console.
        services.letter_publish(exercise=exercise, by=inspector, send_feedback=False)
        services.feedback_request_send(exercise=exercise, by=inspector, send_email=False)
