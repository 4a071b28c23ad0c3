"""The overview report's PDF: a real worker renders a tagged PDF with contents and page numbers
that prints each period's own computed sentences, and not another period's."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Role
from reports.models import Document
from reports.overview import services
from tests.factories import person
from tests.pdf import pdf_info as _info
from tests.pdf import pdf_text as _text
from tests.pdf import wait_for_document as _wait
from tests.reports.test_overview import END, OUTSIDE, SMALL, START, make_area_inspection

# Hand-computed from tests.reports.test_overview's areas: in 2019-2020, 10 + 8 court reports
# read of populations of 30 + 20, three of them weak, five people met; in 2023 (Aberdeen City
# alone), 12 read of 40, every one rated unsatisfactory, four people met.
FIRST = {
    "period": (START, END),
    "own": [
        "We read 18 records of a population of 50.",
        "We met five people subject to a community payback order.",
        "Of the 18 court reports we evaluated, fewer than five were rated weak or unsatisfactory.",
        "West Dunbartonshire",
        "Inverclyde",
    ],
}
SECOND = {
    "period": (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    "own": [
        "We read 12 records of a population of 40.",
        "We met four people subject to a community payback order.",
        "Of the 12 court reports we evaluated, 12 were rated weak or unsatisfactory.",
        "Aberdeen City",
    ],
}


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_each_period_with_its_own_sentences(celery_worker, framework):
    for area in (*SMALL, OUTSIDE):
        make_area_inspection(area)
    manager = person(Role.MANAGER)
    texts = {}
    for name, fixture in [("first", FIRST), ("second", SECOND)]:
        start, end = fixture["period"]
        report = services.overview_create(
            title=f"Justice overview report {start.year} to {end.year}",
            period_start=start,
            period_end=end,
            by=manager,
        )
        report = services.overview_narrative_save(
            report=report,
            narrative={"key_messages": f"- Key message for the {name} period."},
            by=manager,
        )
        document = services.overview_request(report=report, by=manager)
        document = _wait(document.pk, celery_worker)
        assert document.state == Document.State.READY, document.failure_reason
        path = Path(settings.MEDIA_ROOT) / document.file.name
        assert re.search(r"^Tagged:\s+yes$", _info(path), re.M)
        text = _text(path)
        for sentence in fixture["own"]:
            assert sentence in text, sentence
        assert f"Key message for the {name} period." in text
        # The contents give each section's page number, and the appendices are there.
        assert re.search(r"1\. Introduction \.+ ?\d+", text)
        assert re.search(r"Appendix 4: The approaches used \.+ ?\d+", text)
        texts[name] = text
    for sentence in FIRST["own"]:
        assert sentence not in texts["second"], sentence
    for sentence in SECOND["own"]:
        assert sentence not in texts["first"], sentence
    assert "Key message for the second period." not in texts["first"]
