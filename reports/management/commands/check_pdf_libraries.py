"""Say exactly what to install when a system library that WeasyPrint needs is missing."""

from django.core.management.base import BaseCommand, CommandError

INSTALL_HINT = (
    "WeasyPrint, which renders the PDF documents, cannot load a system library it needs:\n"
    "  {error}\n"
    "On Debian or Ubuntu install them with:\n"
    "  sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 "
    "libfontconfig1\n"
    "On macOS: brew install pango"
)


class Command(BaseCommand):
    help = "Check that the system libraries WeasyPrint needs are installed."

    def handle(self, *args, **options):
        try:
            from reports.rendering import check_libraries
        except ImportError:  # before the rendering module exists
            return
        try:
            check_libraries()
        except OSError as error:
            raise CommandError(INSTALL_HINT.format(error=error)) from None
        self.stdout.write("PDF libraries: found.")
