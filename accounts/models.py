"""People, organisations, standing roles (membership) and assignments to pieces of work.

Two layers, kept apart:
- a Membership says a person belongs to an organisation with a standing role;
- an Assignment says a person has a part in one piece of work (an inspection, a partnership
  exercise, an authority). Assignment kinds are an extensible registry (accounts.assignments):
  each app registers the kinds its work needs.
"""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TimeStampedModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField("full name", max_length=150)
    is_staff = models.BooleanField(default=False, help_text="Can use Django's admin site.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    def refresh_from_db(self, *args, **kwargs):
        # Forget what the permission layer cached about this person (accounts.selectors).
        self.__dict__.pop("_user_context", None)
        super().refresh_from_db(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Organisation(TimeStampedModel):
    """The Care Inspectorate, HMICS, a local authority or a community justice partnership."""

    class Kind(models.TextChoices):
        CARE_INSPECTORATE = "care_inspectorate", "Care Inspectorate"
        HMICS = "hmics", "HM Inspectorate of Constabulary in Scotland"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        PARTNERSHIP = "partnership", "Community justice partnership"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    covers = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="partnerships",
        limit_choices_to={"kind": "local_authority"},
        help_text="For a partnership: the local authorities it covers.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_scrutiny_body(self) -> bool:
        return self.kind in {self.Kind.CARE_INSPECTORATE, self.Kind.HMICS}


class Role(models.TextChoices):
    """Standing roles a person holds in an organisation."""

    INSPECTOR = "inspector", "Inspector"
    MANAGER = "manager", "Manager"
    ADMINISTRATOR = "administrator", "Administrator"
    AUTHORITY_CONTACT = "authority_contact", "Local authority contact"
    LOCAL_COORDINATOR = "local_coordinator", "Local co-ordinator"
    PRACTITIONER = "practitioner", "Justice social work staff"
    PARTNERSHIP_MEMBER = "partnership_member", "Partnership member"
    HMICS_INSPECTOR = "hmics_inspector", "HMICS inspector"


# Which organisation kinds may hold each role.
ROLE_ORGANISATION_KINDS: dict[str, set[str]] = {
    Role.INSPECTOR: {Organisation.Kind.CARE_INSPECTORATE},
    Role.MANAGER: {Organisation.Kind.CARE_INSPECTORATE},
    Role.ADMINISTRATOR: {Organisation.Kind.CARE_INSPECTORATE},
    Role.AUTHORITY_CONTACT: {Organisation.Kind.LOCAL_AUTHORITY},
    Role.LOCAL_COORDINATOR: {Organisation.Kind.LOCAL_AUTHORITY},
    # Staff who read records as local co-readers, or as associate assessors elsewhere.
    Role.PRACTITIONER: {Organisation.Kind.LOCAL_AUTHORITY},
    Role.PARTNERSHIP_MEMBER: {Organisation.Kind.PARTNERSHIP},
    Role.HMICS_INSPECTOR: {Organisation.Kind.HMICS},
}


class Membership(TimeStampedModel):
    """A person's standing role in an organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.organisation}"


class Assignment(TimeStampedModel):
    """A person's part in one piece of work (the target), of a registered kind."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(max_length=48)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    assigned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "user__name"]
        indexes = [models.Index(fields=["target_type", "target_id", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "target_type", "target_id"],
                condition=Q(ended_at__isnull=True),
                name="assignment_unique_active",
            )
        ]

    def __str__(self) -> str:
        from accounts.assignments import assignment_kind_label

        return f"{self.user} — {assignment_kind_label(self.kind)}"
