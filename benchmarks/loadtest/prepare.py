"""Prepare the load test's people and work, with the app's settings; write the plan for locust.

    python -m benchmarks.loadtest.prepare --out plan.json        # make or reuse the data
    python -m benchmarks.loadtest.prepare --throttling SINCE     # sign-in throttling report

Idempotent: a second run reuses what the first made. It makes, with the same factories and
services as the tests and benchmarks:

- 50 readers (inspectors in the Care Inspectorate), each assigned as an inspector to one CPO
  inspection and given 10 of its 500 sampled records to read (one Reading each);
- 5 managers (Care Inspectorate), who may see every dashboard figure;
- 2 people who ask for a PDF: each the lead inspector of an inspection at the reporting stage
  with about 100 records read, five agreed grades and written sections
  (benchmarks.bench_report's inspection), so every request renders a real report;
- the small demo data set (`generate_demo_data --scale small`, unless LOADTEST_DEMO_SCALE says
  `national` or `none`) so the dashboard has more than one inspection to count.

Every person has the password in LOADTEST_PASSWORD and a confirmed authenticator app whose key
goes into the plan, so locust signs in through the real pages with a computed security code.
Draft report versions left by an earlier run are deleted (drafts may be), so each run starts
from the same report pages.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks.bench_reading import ANSWERS  # the answers readers save: the reading benchmark's
from benchmarks.common import setup_django

READERS = 50
READINGS_EACH = 10
MANAGERS = 5
PDF_PEOPLE = 2
DOMAIN = "loadtest.invalid"
READING_TITLE = "Load test: record reading"
REPORT_TITLE = "Load test: report {n}"


def _reference_data() -> None:
    from accounts.services import organisations_load
    from qi_framework.instruments import instruments_load_all
    from qi_framework.services import framework_load
    from reports.statistics import quantifier_bands_load

    organisations_load()
    framework_load()
    instruments_load_all()
    quantifier_bands_load()


class Accounts:
    """Load-test people: one password hash for all (hashed once), a TOTP key each."""

    def __init__(self, password: str):
        from django.contrib.auth.hashers import make_password

        from accounts.models import Organisation

        self.hashed = make_password(password)
        self.inspectorate = Organisation.objects.get(slug="care-inspectorate")

    def get(self, kind: str, n: int, role: str):
        from accounts.models import Membership, User
        from tests.factories import enrol_totp

        user, _ = User.objects.get_or_create(
            email=f"loadtest-{kind}-{n}@{DOMAIN}", defaults={"name": f"Load test {kind} {n}"}
        )
        user.password = self.hashed
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        Membership.objects.update_or_create(
            user=user, organisation=self.inspectorate, role=role, defaults={"is_active": True}
        )
        return user, enrol_totp(user)


def _assign(user, kind: str, activity) -> None:
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import Assignment
    from accounts.services import assignment_create

    if not Assignment.objects.filter(
        user=user,
        kind=kind,
        target_type=ContentType.objects.get_for_model(activity),
        target_id=activity.pk,
        ended_at__isnull=True,
    ).exists():
        assignment_create(user=user, kind=kind, target=activity)


def _reading_inspection(accounts: Accounts) -> tuple[list[dict], int]:
    """The inspection the readers read; return the readers' plan entries and its section count."""
    from accounts.models import Role
    from inspections.models import Inspection, Reading, SampleRecord
    from tests.inspections.factories import make_inspection, make_population, make_sample

    inspection = Inspection.objects.filter(title=READING_TITLE).first()
    if inspection is None:
        lead, _ = accounts.get("lead", 0, Role.INSPECTOR)
        inspection = make_inspection(lead=lead, title=READING_TITLE)
        make_population(inspection, size=READERS * READINGS_EACH + 20)
        make_sample(inspection, size=READERS * READINGS_EACH, reserve=10)
    activity = inspection.activity
    sample = activity.sample
    version = activity.reading_instrument
    readers = []
    for n in range(1, READERS + 1):
        user, key = accounts.get("reader", n, Role.INSPECTOR)
        _assign(user, "inspector", activity)
        readers.append((user, key))
    if not Reading.objects.filter(sample_record__sample=sample).exists():
        records = list(
            sample.records.filter(role=SampleRecord.Role.SAMPLED).order_by("rank")[
                : READERS * READINGS_EACH
            ]
        )
        Reading.objects.bulk_create(
            Reading(
                sample_record=record,
                reader=readers[i // READINGS_EACH][0],
                instrument_version=version,
            )
            for i, record in enumerate(records)
        )
    plan = []
    for user, key in readers:
        readings = list(
            Reading.objects.filter(reader=user, sample_record__sample=sample)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        plan.append({"email": user.email, "totp_key": key, "readings": readings})
    return plan, version.sections.count()


def _report_inspections(accounts: Accounts) -> list[dict]:
    """One inspection at the reporting stage per PDF person, each its lead inspector."""
    from accounts.models import Role
    from inspections.models import Inspection, ReportVersion, ScrutinyActivity
    from reports.models import Document

    plan = []
    for n in range(1, PDF_PEOPLE + 1):
        title = REPORT_TITLE.format(n=n)
        inspection = Inspection.objects.filter(title=title).first()
        if inspection is None:
            from benchmarks.bench_report import _build

            inspection, _lead = _build()
            ScrutinyActivity.objects.filter(pk=inspection.activity_id).update(title=title)
            Inspection.objects.filter(pk=inspection.pk).update(title=title)
        Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.REPORTING)
        user, key = accounts.get("pdf", n, Role.INSPECTOR)
        _assign(user, "lead_inspector", inspection.activity)
        drafts = ReportVersion.objects.filter(
            inspection=inspection, status=ReportVersion.Status.DRAFT
        )
        documents = list(drafts.exclude(document=None).values_list("document_id", flat=True))
        drafts.delete()
        Document.objects.filter(pk__in=documents).delete()
        plan.append({"email": user.email, "totp_key": key, "inspection": inspection.pk})
    return plan


def _demo_data() -> None:
    from django.core.management import call_command

    from inspections.models import ScrutinyActivity
    from reports.management.commands.generate_demo_data import MARK

    scale = os.environ.get("LOADTEST_DEMO_SCALE", "small")
    if scale == "none" or ScrutinyActivity.objects.filter(title__endswith=MARK).exists():
        return
    call_command("generate_demo_data", scale=scale)


def prepare(out: Path) -> dict:
    from accounts.models import Role

    password = os.environ.get("LOADTEST_PASSWORD", "")
    if len(password) < 12:
        sys.exit("Set LOADTEST_PASSWORD (12 characters or more) for the load-test accounts.")
    _reference_data()
    _demo_data()
    accounts = Accounts(password)
    readers, sections = _reading_inspection(accounts)
    managers = []
    for n in range(1, MANAGERS + 1):
        user, key = accounts.get("manager", n, Role.MANAGER)
        managers.append({"email": user.email, "totp_key": key})
    plan = {
        "password": password,
        "readers": readers,
        "managers": managers,
        "pdf_people": _report_inspections(accounts),
        "sections": sections,
        "answers": ANSWERS,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_text(json.dumps(plan, indent=1))
    return plan


def throttling(since: str) -> dict:
    """Count what sign-in throttling recorded since `since` (ISO time) for load-test people."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils.dateparse import parse_datetime
    from django_otp.plugins.otp_totp.models import TOTPDevice

    start = parse_datetime(since)
    mine = {"username__endswith": f"@{DOMAIN}"}
    return {
        "axes_access_attempts": AccessAttempt.objects.filter(**mine).count(),
        "axes_failures_since_start": AccessFailureLog.objects.filter(
            attempt_time__gte=start, **mine
        ).count(),
        "axes_locked_out": AccessFailureLog.objects.filter(
            attempt_time__gte=start, locked_out=True, **mine
        ).count(),
        "sign_ins_since_start": AccessLog.objects.filter(attempt_time__gte=start, **mine).count(),
        "otp_devices_with_failures": TOTPDevice.objects.filter(
            user__email__endswith=f"@{DOMAIN}", throttling_failure_count__gt=0
        ).count(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the plan (JSON) here")
    parser.add_argument("--throttling", metavar="SINCE", help="print the throttling report")
    args = parser.parse_args(argv)
    setup_django(os.environ.get("DJANGO_SETTINGS_MODULE", "benchmarks.loadtest.settings"))
    if args.throttling:
        print(json.dumps(throttling(args.throttling)))
        return
    if args.out is None:
        parser.error("give --out or --throttling")
    plan = prepare(args.out)
    print(
        f"Prepared {len(plan['readers'])} readers, {len(plan['managers'])} managers and "
        f"{len(plan['pdf_people'])} people asking for PDFs; plan in {args.out}."
    )


if __name__ == "__main__":
    main()
