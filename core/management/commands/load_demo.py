"""Load demo data and print one login per role. Refuses to run when DEBUG is off."""

import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.demo import DEMO_PASSWORD, DEMO_STEPS, DemoContext

REFUSED = "load_demo refuses to run when DEBUG is off: demo accounts have published passwords."


class Command(BaseCommand):
    help = "Load demo organisations, people and work, and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins.")

    def handle(self, *args, quiet_logins=False, **options):
        if not settings.DEBUG:
            raise CommandError(REFUSED)
        for config in apps.get_app_configs():
            try:
                importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.demo":
                    raise
        context = DemoContext()
        with transaction.atomic():
            for _, step in sorted(DEMO_STEPS, key=lambda s: s[0]):
                step(context)
        if quiet_logins:
            return
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (every password: " + DEMO_PASSWORD + ")"))
        for login in context.logins:
            self.stdout.write(
                f"  {login.role:<26} {login.email:<26} {login.name}, {login.organisation}"
            )
            for note in login.notes:
                self.stdout.write(f"  {'':<26} {note}")
        self.stdout.write("")
