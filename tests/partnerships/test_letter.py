"""The validation letter: rendered by the document pipeline into a tagged PDF of one or two
pages that carries the exercise's own values, with typed HTML printed as text."""

import re
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from partnerships import services
from partnerships.models import ExerciseQI
from reports.models import Document
from reports.services import document_html, document_render
from tests.partnerships.conftest import AYRSHIRE, CLACKS, make_setup, to_feedback

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def _text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _info(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def _publish(framework, slug, *, decisions, hmics=True):
    setup = make_setup(framework, slug, hmics=hmics)
    exercise = to_feedback(setup, decisions=decisions)
    return setup, services.letter_publish(exercise=exercise, by=setup.inspector)


@pytest.mark.django_db
def test_the_letter_html_escapes_typed_text(framework, sent):
    setup = make_setup(framework, AYRSHIRE)
    exercise = to_feedback(setup)
    ExerciseQI.objects.filter(exercise=exercise).update(strengths=HOSTILE)
    exercise.confidence_statement = HOSTILE
    exercise.save()
    publication = services.letter_publish(exercise=exercise, by=setup.inspector)
    html = document_html(document=publication.document)
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    # Addressed to the chair, naming the three authorities and both bodies.
    assert "Dr Morag Chair" in html
    assert "East Ayrshire, North Ayrshire and South Ayrshire" in html
    assert "HM Inspectorate of Constabulary in Scotland" in html


@pytest.mark.django_db
def test_the_letter_renders_in_process_to_a_short_tagged_pdf(framework, sent):
    setup, publication = _publish(
        framework, "north-lanarkshire-community-justice-partnership",
        decisions={"8.1": "not_validated"}, hmics=False,
    )  # fmt: skip
    document = document_render(document_id=publication.document_id)
    assert document.state == Document.State.READY, document.failure_reason
    path = Path(settings.MEDIA_ROOT) / document.file.name
    text = _text(path)
    assert "North Lanarkshire Community Justice Partnership" in text
    assert "Not validated" in text and "Evidence was thin." in text
    assert "HM Inspectorate" not in text  # North Lanarkshire did not involve HMICS
    info = _info(path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert 1 <= document.page_count <= 2


def _wait(document_id: int, workers, timeout: float = 120) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.state in {Document.State.READY, Document.State.FAILED}:
            return document
        time.sleep(0.2)
    raise AssertionError(workers.current.log()[-3000:] if workers.current else "no worker")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_each_letter_with_its_own_values(celery_worker, framework):
    texts = {}
    for slug, decisions in [
        (AYRSHIRE, {"6.2": "validated", "8.1": "validated", "9.2": "not_validated"}),
        (CLACKS, {"6.2": "not_validated", "8.1": "validated", "9.2": "validated"}),
    ]:
        setup, publication = _publish(framework, slug, decisions=decisions)
        document = _wait(publication.document_id, celery_worker)
        assert document.state == Document.State.READY, document.failure_reason
        path = Path(settings.MEDIA_ROOT) / document.file.name
        assert re.search(r"^Tagged:\s+yes$", _info(path), re.M)
        assert 1 <= document.page_count <= 2
        text = " ".join(_text(path).split())
        assert setup.exercise.partnership.name in text
        for qi in setup.qis:
            decision = decisions[qi.quality_indicator.code]
            label = "Not validated" if decision == "not_validated" else "Validated"
            assert f"{qi} {label}:" in text, (str(qi), label)
        texts[slug] = text
    assert "Ayrshire" not in texts[CLACKS] and "Clackmannanshire" not in texts[AYRSHIRE]
    assert texts[AYRSHIRE] != texts[CLACKS]
