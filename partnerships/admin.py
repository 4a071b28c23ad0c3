"""Read-only admin views of partnerships' records; only partnerships.services changes them."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from partnerships.models import (
    Exercise,
    ExerciseQI,
    LetterPublication,
    PartnerOrganisation,
    Representative,
)


@admin.register(Exercise)
class ExerciseAdmin(ReadOnlyAdmin):
    list_display = ["title", "partnership", "status", "start_date", "letter_version"]
    list_filter = ["status"]


@admin.register(ExerciseQI)
class ExerciseQIAdmin(ReadOnlyAdmin):
    list_display = ["exercise", "quality_indicator", "status", "grade", "decision"]
    exclude = ["how_good_now", "how_do_we_know", "how_good_can_we_be"]


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "partnership", "kind"]
    list_filter = ["kind"]


@admin.register(Representative)
class RepresentativeAdmin(ReadOnlyAdmin):
    list_display = ["name", "role_title", "partner", "is_chair"]


@admin.register(LetterPublication)
class LetterPublicationAdmin(ReadOnlyAdmin):
    list_display = ["exercise", "version", "published_at", "published_by"]
