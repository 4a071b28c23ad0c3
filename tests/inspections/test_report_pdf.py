"""The inspection report's PDF: rendered by the document pipeline from a report version's frozen
content into a tagged PDF that carries the inspection's own values (authority, agreed grades,
the sample of the population, figure sentences), with DRAFT on every page of a draft."""

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from inspections.models import ReportSection, ReportVersion
from inspections.selectors.evidence import inspection_figures
from inspections.selectors.report import report_snapshot
from inspections.services.report import figure_token, report_section_save
from reports.models import Document
from reports.services import document_render, document_request
from tests.inspections.factories import make_inspection
from tests.inspections.test_report import agree_grades, build_evidence

K = ReportSection.Key
LABELS = {6: "excellent", 5: "very good", 4: "good", 3: "adequate", 2: "weak", 1: "unsatisfactory"}


def _text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def _info(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


@dataclass
class Fixture:
    authority: str
    population: int
    size: int
    grades: dict[str, int]
    ratings: list[int]


WEST_DUNBARTONSHIRE = Fixture(
    "west-dunbartonshire", 683, 97, {"1.1": 2, "2.1": 4, "5.2": 2, "5.3": 2, "9.4": 2}, [4, 2, 5]
)
INVERCLYDE = Fixture(
    "inverclyde", 412, 58, {"1.1": 5, "2.1": 6, "5.2": 4, "5.3": 5, "9.4": 3}, [6, 5, 5, 3]
)


def make_version(fixture: Fixture, *, published: bool = False):
    """Build an inspection with evidence, grades and written sections; return its version and
    the words of the figure its processes section inserts."""
    inspection = make_inspection(fixture.authority)
    build_evidence(
        inspection, population=fixture.population, size=fixture.size, grades=fixture.ratings
    )
    agree_grades(inspection, fixture.grades)
    figures = inspection_figures(inspection=inspection)
    figure = next(f for f in figures["5.2"] if "good or better" in f.words)
    report_section_save(
        inspection=inspection,
        key=K.PROCESSES,
        body=f"We read the court reports.\n\n{figure_token(figure.code)}",
        by=inspection.lead,
    )
    report_section_save(
        inspection=inspection,
        key=K.TOPICAL,
        heading="How well is the service preparing for the extension of the presumption "
        "against short sentences?",
        body="The service had begun to plan for the extension.",
        by=inspection.lead,
    )
    version = ReportVersion.objects.create(
        inspection=inspection,
        number=1,
        status=ReportVersion.Status.PUBLISHED if published else ReportVersion.Status.DRAFT,
        published_at=timezone.now() if published else None,
        content=report_snapshot(inspection=inspection),
    )
    return version, figure.words


def check_text(text: str, version, fixture: Fixture, figure_words: str) -> None:
    authority = version.inspection.activity.authority.name
    assert authority in text
    assert f"{fixture.size} of {fixture.population} records" in text
    assert " ".join(figure_words.split()) in text
    for code, grade in fixture.grades.items():
        assert re.search(
            rf"We evaluated {re.escape(code)} .*? as {LABELS[grade]} \({grade} on the",
            text,
        ), code
        assert f"{grade} – {LABELS[grade].capitalize()}" in text, code
    assert "Appendix 3: Terms we use in this report" in text


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_report_renders_in_process_to_a_tagged_pdf_with_contents_and_draft_mark(
    reference_data,
):
    version, words = make_version(INVERCLYDE)
    document = Document.objects.create(
        kind="inspection_report", subject=version, version=1, title="Report"
    )
    document = document_render(document_id=document.pk)
    assert document.state == Document.State.READY, document.failure_reason
    path = Path(settings.MEDIA_ROOT) / document.file.name
    assert re.search(r"^Tagged:\s+yes$", _info(path), re.M)
    text = _text(path)
    check_text(text, version, INVERCLYDE, words)
    # Every page of a draft says so, in its running header.
    assert text.count("DRAFT") >= document.page_count
    # The contents page gives each section's page number (WeasyPrint target-counter).
    assert re.search(r"1\. Introduction \.+ ?\d+", text)


def _wait(document_id: int, workers, timeout: float = 180) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.state in {Document.State.READY, Document.State.FAILED}:
            return document
        time.sleep(0.2)
    raise AssertionError(workers.current.log()[-3000:] if workers.current else "no worker")


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_each_report_with_its_own_values(celery_worker, framework):
    texts = {}
    for fixture, published in [(WEST_DUNBARTONSHIRE, False), (INVERCLYDE, True)]:
        version, words = make_version(fixture, published=published)
        document = document_request(kind="inspection_report", subject=version, by=None)
        document = _wait(document.pk, celery_worker)
        assert document.state == Document.State.READY, document.failure_reason
        path = Path(settings.MEDIA_ROOT) / document.file.name
        assert re.search(r"^Tagged:\s+yes$", _info(path), re.M)
        text = _text(path)
        check_text(text, version, fixture, words)
        if published:
            assert "DRAFT" not in text
        else:
            assert text.count("DRAFT") >= document.page_count
        texts[fixture.authority] = text
    wd, inverclyde = texts["west-dunbartonshire"], texts["inverclyde"]
    assert "Inverclyde" not in wd and "West Dunbartonshire" not in inverclyde
    assert "97 of 683" not in inverclyde and "58 of 412" not in wd
