"""Writes about people, organisations, memberships and assignments. Each change is audited."""

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from accounts.assignments import get_assignment_kind
from accounts.models import (
    ROLE_ORGANISATION_KINDS,
    Assignment,
    Membership,
    Organisation,
    Role,
    User,
)
from accounts.selectors import user_context
from core.exceptions import ApplicationError
from core.services import audit_record

ROLE_NOT_ALLOWED = "{role} is not a role in {kind_label} organisations such as {organisation}."
ALREADY_MEMBER = "{user} already holds the role {role} in {organisation}."
ASSIGNMENT_ROLE_REQUIRED = "{user} cannot be a {kind}: they need one of these roles: {roles}."
ALREADY_ASSIGNED = "{user} is already assigned as {kind} on {target}."
WRONG_TARGET = "A {kind} assignment cannot point at {target}."
PARTNERSHIP_COVERS_ONLY_AUTHORITIES = "A partnership can cover only local authorities."


@transaction.atomic
def user_create(*, email: str, name: str, password: str | None = None, by=None) -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError("There is already an account with that email address.")
    user = User.objects.create_user(email=email, name=name.strip(), password=password)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    audit_record(action="user_created", actor=by, obj=user, new={"email": email, "name": name})
    return user


@transaction.atomic
def organisation_create(
    *, name: str, kind: str, covers: list[Organisation] | None = None, slug: str = "", by=None
) -> Organisation:
    organisation = Organisation.objects.create(
        name=name, kind=kind, slug=slug or slugify(name)[:80]
    )
    if covers:
        organisation_set_coverage(organisation=organisation, covers=covers, by=by)
    audit_record(action="organisation_created", actor=by, obj=organisation, new={"kind": kind})
    return organisation


@transaction.atomic
def organisation_set_coverage(
    *, organisation: Organisation, covers: list[Organisation], by=None
) -> Organisation:
    if organisation.kind != Organisation.Kind.PARTNERSHIP:
        raise ApplicationError("Only a partnership covers local authorities.")
    if any(o.kind != Organisation.Kind.LOCAL_AUTHORITY for o in covers):
        raise ApplicationError(PARTNERSHIP_COVERS_ONLY_AUTHORITIES)
    old = sorted(organisation.covers.values_list("name", flat=True))
    organisation.covers.set(covers)
    audit_record(
        action="organisation_coverage_changed",
        actor=by,
        obj=organisation,
        old=old,
        new=sorted(o.name for o in covers),
    )
    return organisation


def _check_role(*, organisation: Organisation, role: str) -> None:
    if organisation.kind not in ROLE_ORGANISATION_KINDS[role]:
        raise ApplicationError(
            ROLE_NOT_ALLOWED.format(
                role=Role(role).label,
                kind_label=organisation.get_kind_display().lower(),
                organisation=organisation.name,
            )
        )


@transaction.atomic
def membership_create(
    *, user: User, organisation: Organisation, role: str, by=None, request=None
) -> Membership:
    """Give a person a standing role in an organisation."""
    _check_role(organisation=organisation, role=role)
    existing = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if existing and existing.is_active:
        raise ApplicationError(
            ALREADY_MEMBER.format(user=user, role=Role(role).label, organisation=organisation)
        )
    if existing:
        existing.is_active = True
        existing.save(update_fields=["is_active", "updated_at"])
        membership = existing
    else:
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    audit_record(
        action="membership_created",
        actor=by,
        obj=membership,
        new={"user": user.email, "organisation": organisation.name, "role": role},
        request=request,
    )
    return membership


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, by=None, request=None
) -> Membership:
    _check_role(organisation=membership.organisation, role=role)
    old = membership.role
    if old == role:
        return membership
    if Membership.objects.filter(
        user=membership.user, organisation=membership.organisation, role=role
    ).exists():
        raise ApplicationError(
            ALREADY_MEMBER.format(
                user=membership.user, role=Role(role).label, organisation=membership.organisation
            )
        )
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        action="role_changed", actor=by, obj=membership, old=old, new=role, request=request
    )
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, by=None, request=None) -> Membership:
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    audit_record(
        action="membership_ended",
        actor=by,
        obj=membership,
        old={"role": membership.role, "active": True},
        new={"active": False},
        request=request,
    )
    return membership


@transaction.atomic
def assignment_create(*, user: User, kind: str, target, by=None, request=None) -> Assignment:
    """Assign a person to a piece of work, if the kind's rules allow it."""
    definition = get_assignment_kind(kind)
    if target._meta.label_lower != definition.target_model:
        raise ApplicationError(WRONG_TARGET.format(kind=definition.label.lower(), target=target))
    context = user_context(user)
    if definition.roles and not context.has_role(*definition.roles):
        raise ApplicationError(
            ASSIGNMENT_ROLE_REQUIRED.format(
                user=user,
                kind=definition.label.lower(),
                roles=", ".join(sorted(Role(r).label.lower() for r in definition.roles)),
            )
        )
    if definition.check is not None:
        definition.check(user, target)
    ct = ContentType.objects.get_for_model(target)
    if Assignment.objects.filter(
        user=user, kind=kind, target_type=ct, target_id=target.pk, ended_at__isnull=True
    ).exists():
        raise ApplicationError(
            ALREADY_ASSIGNED.format(user=user, kind=definition.label.lower(), target=target)
        )
    assignment = Assignment.objects.create(
        user=user, kind=kind, target_type=ct, target_id=target.pk, assigned_by=by
    )
    audit_record(
        action="assignment_created",
        actor=by,
        obj=assignment,
        new={"user": user.email, "kind": kind, "target": str(target)},
        request=request,
    )
    user.__dict__.pop("_user_context", None)
    return assignment


@transaction.atomic
def assignment_end(*, assignment: Assignment, by=None, request=None) -> Assignment:
    if assignment.ended_at is not None:
        raise ApplicationError("That assignment has already ended.")
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["ended_at", "updated_at"])
    audit_record(
        action="assignment_ended",
        actor=by,
        obj=assignment,
        old={"kind": assignment.kind, "active": True},
        new={"active": False},
        request=request,
    )
    return assignment


def user_send_invitation(*, user: User, base_url: str) -> None:
    """Email a new person a single-use link to choose their password."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "link": f"{base_url}{path}", "service_name": settings.SERVICE_NAME}
    send_mail(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


ORGANISATIONS_FILE = Path(__file__).resolve().parent / "data" / "organisations.json"


@transaction.atomic
def organisations_load(*, path: Path = ORGANISATIONS_FILE) -> int:
    """Create the scrutiny bodies, the 32 local authorities and the seeded partnerships.

    Idempotent: organisations that exist (by slug) are left as they are. Return how many were made.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    created = 0
    for body in data["scrutiny_bodies"]:
        _, made = Organisation.objects.get_or_create(
            slug=body["slug"], defaults={"name": body["name"], "kind": body["kind"]}
        )
        created += made
    authorities = {}
    for name in data["local_authorities"]:
        authorities[name], made = Organisation.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "kind": Organisation.Kind.LOCAL_AUTHORITY}
        )
        created += made
    for partnership in data["partnerships"]:
        organisation, made = Organisation.objects.get_or_create(
            slug=slugify(partnership["name"])[:80],
            defaults={"name": partnership["name"], "kind": Organisation.Kind.PARTNERSHIP},
        )
        if made:
            organisation.covers.set([authorities[name] for name in partnership["covers"]])
            created += 1
    return created
