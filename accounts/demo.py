"""Demo organisations and one person per role."""

from accounts.models import Membership, Organisation, Role, User
from accounts.services import assignment_create, organisations_load
from core.demo import DEMO_PASSWORD, DemoContext, DemoLogin, register_demo_step

DEMO_PEOPLE = [
    # key, name, email, organisation slug, role
    ("administrator", "Alex Morrison", "admin@demo.test", "care-inspectorate", Role.ADMINISTRATOR),
    ("manager", "Morven Kerr", "manager@demo.test", "care-inspectorate", Role.MANAGER),
    ("inspector", "Iain MacLeod", "inspector@demo.test", "care-inspectorate", Role.INSPECTOR),
    ("inspector2", "Fiona Grant", "inspector2@demo.test", "care-inspectorate", Role.INSPECTOR),
    ("hmics", "Hamish Reid", "hmics@demo.test", "hmics", Role.HMICS_INSPECTOR),
    (
        "authority_contact",
        "Ailsa Campbell",
        "contact@demo.test",
        "west-dunbartonshire",
        Role.AUTHORITY_CONTACT,
    ),
    (
        "local_coordinator",
        "Calum Stewart",
        "coordinator@demo.test",
        "west-dunbartonshire",
        Role.LOCAL_COORDINATOR,
    ),
    (
        "partnership_member",
        "Priya Shah",
        "partnership@demo.test",
        "ayrshire-community-justice-partnership",
        Role.PARTNERSHIP_MEMBER,
    ),
]


@register_demo_step(order=10)
def demo_people(context: DemoContext) -> None:
    organisations_load()
    for key, name, email, slug, role in DEMO_PEOPLE:
        organisation = Organisation.objects.get(slug=slug)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, name=name, password=DEMO_PASSWORD)
        else:
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        Membership.objects.update_or_create(
            user=user, organisation=organisation, role=role, defaults={"is_active": True}
        )
        context.people[key] = user
        context.logins.append(
            DemoLogin(role=Role(role).label, name=name, email=email, organisation=organisation.name)
        )
    inspector = context.people["inspector"]
    west_dunbartonshire = Organisation.objects.get(slug="west-dunbartonshire")
    if not inspector.assignments.filter(kind="link_inspector", ended_at__isnull=True).exists():
        assignment_create(
            user=inspector,
            kind="link_inspector",
            target=west_dunbartonshire,
            by=context.people["administrator"],
        )
