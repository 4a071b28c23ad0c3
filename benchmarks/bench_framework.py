"""Server time for the framework page (median, p95), through Django's full request stack.

Uses the test client in-process, so the figure is server time without network or browser.
The database is whatever DATABASE_URL says (SQLite by default; set it for PostgreSQL).
"""

from benchmarks.common import Row, timeit


def run() -> list[Row]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import Organisation, Role, User
    from accounts.services import organisations_load
    from qi_framework.services import framework_load

    setup_test_environment()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    organisations_load()
    framework_load()
    user, _ = User.objects.get_or_create(email="bench@bench.test", defaults={"name": "Bench"})
    organisation = Organisation.objects.get(slug="ayrshire-community-justice-partnership")
    user.memberships.get_or_create(organisation=organisation, role=Role.PARTNERSHIP_MEMBER)
    client = Client(raise_request_exception=True)
    client.force_login(user)

    def framework_page():
        response = client.get("/framework/")
        assert response.status_code == 200

    def qi_page():
        response = client.get("/framework/qi/5.2/", {"kind": "cpo_inspection"})
        assert response.status_code == 200

    vendor = connection.vendor
    return [
        timeit("framework page (server time)", framework_page, n=100, note=vendor),
        timeit("QI page (server time)", qi_page, n=100, note=vendor),
    ]
