"""Demo organisations and one person per role, with two-factor keys for those who need them."""

import base64
import hashlib

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


# Two-factor authentication stays on in the demo. Each person who must use it gets an
# authenticator key that never changes between runs of load_demo, so a newcomer adds it to an
# authenticator app once (type the key, or open the otpauth:// address on a phone). People not
# listed here (added by other apps' demo steps) get a key derived from their email address, just
# as fixed. Demo keys are public: they exist only in a DEBUG database (load_demo refuses otherwise).
DEMO_TOTP_SECRETS = {
    "administrator": "FSUXDAB6C6YXQRU6V7M6ZFPNHRHUAAA2",
    "manager": "TWSC7FRPOTFCKQ7RH3MZT6TQIHFWADWZ",
    "inspector": "D6CAXFAGJESSJCJENDXU4LJ7BYN23QHT",
    "inspector2": "LSBUNHCCKUE6WHIRBD25GS5YRL5V3GI3",
    "hmics": "KCR27VZALNTR56NNFXX6F4LJIR5GL63E",
}


def demo_totp_secret(key: str, email: str) -> str:
    """Return the fixed base32 authenticator key of a demo person."""
    if key in DEMO_TOTP_SECRETS:
        return DEMO_TOTP_SECRETS[key]
    digest = hashlib.sha256(f"demo-two-factor:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


@register_demo_step(order=11)
def demo_two_factor(context: DemoContext) -> None:
    """Give each demo person who must use two factors a fixed key and fresh recovery codes."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import two_factor

    logins = {login.email: login for login in context.logins}
    for key, user in context.people.items():
        if not two_factor.two_factor_required(User.objects.get(pk=user.pk)):
            continue
        secret = demo_totp_secret(key, user.email)
        hex_key = base64.b32decode(secret).hex()
        device = TOTPDevice.objects.filter(user=user, key=hex_key).first()
        if device is None:
            device = TOTPDevice(user=user, key=hex_key)
        device.name = two_factor.TOTP_DEVICE_NAME
        device.confirmed = True
        device.throttle_reset(commit=False)
        device.save()
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = two_factor.recovery_codes_generate(user=user)
        login = logins.get(user.email)
        if login is not None:
            grouped = two_factor.secret_grouped(secret)
            login.notes += [
                f"Two-factor key (add to an authenticator app): {grouped}",
                f"  or open on your phone: {device.config_url}",
                f"Recovery codes (each works once): {' '.join(codes)}",
            ]
