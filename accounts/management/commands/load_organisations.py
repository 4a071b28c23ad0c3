"""Create the scrutiny bodies, local authorities and seeded partnerships (idempotent)."""

from django.core.management.base import BaseCommand

from accounts.services import organisations_load


class Command(BaseCommand):
    help = "Create the Care Inspectorate, HMICS, the 32 local authorities and the partnerships."

    def handle(self, *args, **options):
        created = organisations_load()
        self.stdout.write(f"{created} organisation(s) created; existing ones left as they are.")
