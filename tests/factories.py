"""Factories for people and organisations, and a helper that makes a person with a role."""

import factory
from django.utils.text import slugify

from accounts.models import Membership, Organisation, Role, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Organisation.Kind.LOCAL_AUTHORITY


def organisation(slug: str) -> Organisation:
    """Return a seeded organisation (reference data) by slug."""
    return Organisation.objects.get(slug=slug)


def person(role: str, organisation_slug: str | None = None, **kwargs) -> User:
    """Make a person holding `role` in an organisation (a sensible default for the role)."""
    defaults = {
        Role.INSPECTOR: "care-inspectorate",
        Role.MANAGER: "care-inspectorate",
        Role.ADMINISTRATOR: "care-inspectorate",
        Role.HMICS_INSPECTOR: "hmics",
        Role.AUTHORITY_CONTACT: "west-dunbartonshire",
        Role.LOCAL_COORDINATOR: "west-dunbartonshire",
        Role.PARTNERSHIP_MEMBER: "ayrshire-community-justice-partnership",
    }
    org = Organisation.objects.get(slug=organisation_slug or defaults[role])
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def login(client, user) -> None:
    """Sign a test client in as `user`, second factor included where the person needs one.

    force_login skips the password; for a person who must use two factors (or has set them up),
    a real confirmed authenticator device is created if missing and the session is marked as
    verified by django_otp.login with that device, exactly as the security-code page does. So
    view tests reach the page under test instead of the two-factor set-up or code page. To test
    the sign-in pages themselves, use `client_sign_in` (password and computed code) instead.
    """
    from django.http import HttpRequest
    from django_otp import login as otp_login

    from accounts.two_factor import totp_device_of, two_factor_enrolled, two_factor_required

    client.force_login(user)
    fresh = User.objects.get(pk=user.pk)  # keeps `user`'s own cached permissions untouched
    if not (two_factor_required(fresh) or two_factor_enrolled(fresh)):
        return
    enrol_totp(fresh)
    request = HttpRequest()
    request.user = fresh
    request.session = client.session
    otp_login(request, totp_device_of(fresh))
    request.session.save()


def enrol_totp(user) -> str:
    """Give `user` a confirmed authenticator app, as if they had set one up; return its key.

    Returns the base32 key (what a person types into an authenticator app). An existing
    confirmed device is kept.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import TOTP_DEVICE_NAME, totp_device_of, totp_secret

    device = totp_device_of(user) or TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, confirmed=True
    )
    return totp_secret(device)


def totp_code(user_or_device, *, unused: bool = True) -> str:
    """Return the code the person's authenticator app shows now (RFC 6238, django_otp.oath).

    Nothing is bypassed: this computes what a phone would. django-otp accepts one code per
    30-second step, so with `unused` (the default) this waits for the next step when the current
    step's code has already been accepted (at most one step).
    """
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import totp_device_of

    if isinstance(user_or_device, TOTPDevice):
        device = TOTPDevice.objects.get(pk=user_or_device.pk)
    else:
        device = totp_device_of(user_or_device) or totp_device_of(user_or_device, confirmed=False)
        if device is None:
            raise ValueError(f"{user_or_device} has no authenticator app: call enrol_totp first.")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    if unused and totp.t() <= device.last_t:
        now = time.time()
        time.sleep(device.step - (now - device.t0) % device.step + 0.05)
    return f"{totp.token():0{device.digits}d}"


def client_sign_in(client, user, password: str = PASSWORD):
    """Sign in through the real pages: password, then the computed security code if asked.

    Returns the last response. A person who must use two factors but has none is given an
    authenticator device first (use the set-up page itself to test enrolment).
    """
    from django.urls import reverse

    from accounts.two_factor import two_factor_required

    if two_factor_required(User.objects.get(pk=user.pk)):
        enrol_totp(user)
    response = client.post(
        reverse("accounts:sign_in"), {"username": user.email, "password": password}
    )
    verify_url = reverse("accounts:two_factor_verify")
    if response.status_code == 302 and response.url.startswith(verify_url):
        response = client.post(response.url, {"code": totp_code(user)})
    return response
