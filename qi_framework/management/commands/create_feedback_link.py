"""Create a feedback questionnaire link for a subject and print its address (for demos)."""

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from qi_framework.responses import feedback_link_create, response_link_url


class Command(BaseCommand):
    help = (
        "Create a link to the feedback questionnaire about a subject, e.g. "
        "--subject inspections.inspection:12, and print its web address. The address is shown "
        "only once: it is not stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--subject", required=True, help="app_label.model:pk")
        parser.add_argument("--days", type=int, default=60, help="days until the link expires")
        parser.add_argument("--multi-use", action="store_true", help="allow more than one response")

    def handle(self, *args, subject, days, multi_use, **options):
        try:
            label, pk = subject.rsplit(":", 1)
            model = apps.get_model(label)
            obj = model.objects.get(pk=pk)
        except (ValueError, LookupError) as error:
            raise CommandError(
                "Name the subject as app_label.model:pk, e.g. inspections.inspection:12."
            ) from error
        except ObjectDoesNotExist as error:
            raise CommandError(f"There is no {subject}.") from error
        try:
            link, raw_token = feedback_link_create(
                subject=obj, single_use=not multi_use, expires_in_days=days
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"{link.label}, until {link.expires_at:%d %B %Y}:")
        self.stdout.write(response_link_url(raw_token))
