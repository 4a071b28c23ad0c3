"""The progress report: a tagged PDF of the plan's current state, one version per revision."""

import datetime as dt
import re
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from improvement import services
from reports.models import Document
from reports.services import document_html, document_render, document_request
from tests.improvement.factories import add_action, make_plan

HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
FUTURE = dt.date.today() + dt.timedelta(days=30)


def _text(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def _progress(setup):
    elements = setup.elements()
    action = add_action(
        setup, elements[0], due=FUTURE, description="Run a monthly audit of LS/CMI timeliness."
    )
    services.progress_update_add(
        action=action, text="The first two audits found 80% on time.", by=setup.contact
    )
    add_action(setup, elements[1], due=FUTURE, description="Train team leaders in case planning.")
    services.element_mark_addressed(element=elements[1], by=setup.link, comment="Training done.")
    return action


@pytest.fixture
def sent(monkeypatch):
    ids: list[int] = []
    monkeypatch.setattr("reports.services._send", ids.append)
    return ids


@pytest.mark.django_db
def test_the_report_html_escapes_typed_text(reference_data, sent):
    setup = make_plan()
    action = add_action(setup, setup.elements()[0], due=FUTURE, description=HOSTILE)
    services.progress_update_add(action=action, text=HOSTILE, by=setup.contact)
    document = document_request(kind="improvement_plan_progress", subject=setup.plan, by=setup.link)
    html = document_html(document=document)
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 2


@pytest.mark.django_db
def test_each_change_makes_a_new_version(reference_data, sent):
    setup = make_plan()
    first = document_request(kind="improvement_plan_progress", subject=setup.plan, by=setup.link)
    again = document_request(kind="improvement_plan_progress", subject=setup.plan, by=setup.link)
    assert first.pk == again.pk
    add_action(setup, setup.elements()[0], due=FUTURE)
    setup.refresh()
    second = document_request(kind="improvement_plan_progress", subject=setup.plan, by=setup.link)
    assert second.pk != first.pk and second.version == first.version + 1


@pytest.mark.django_db
def test_the_report_renders_in_process_to_a_tagged_pdf(reference_data, sent):
    setup = make_plan()
    _progress(setup)
    document = document_request(kind="improvement_plan_progress", subject=setup.plan, by=setup.link)
    document = document_render(document_id=document.pk)
    assert document.state == Document.State.READY, document.failure_reason
    path = Path(settings.MEDIA_ROOT) / document.file.name
    text = _text(path)
    assert "Improvement plan progress: West Dunbartonshire" in text
    assert "Run a monthly audit of LS/CMI timeliness." in text
    assert "The first two audits found 80% on time." in text
    assert "One of the three elements has been addressed." in text
    assert "Training done." in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_renders_the_progress_report(celery_worker, reference_data):
    setup = make_plan("inverclyde")
    _progress(setup)
    setup.refresh()
    document = document_request(kind="improvement_plan_progress", subject=setup.plan, by=setup.link)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if document.state in {Document.State.READY, Document.State.FAILED}:
            break
        time.sleep(0.2)
    assert document.state == Document.State.READY, (
        document.failure_reason or celery_worker.current.log()[-3000:]
    )
    text = _text(Path(settings.MEDIA_ROOT) / document.file.name)
    assert "Improvement plan progress: Inverclyde" in text
    assert "Run a monthly audit of LS/CMI timeliness." in text
    assert "Train team leaders in case planning." in text


@pytest.mark.parametrize(
    ("counts", "elements", "actions"),
    [
        ((3, 0, 0, 0, 0), "None of the three elements has been addressed yet.",
         "The authority has not set any actions yet."),
        ((3, 1, 2, 0, 1), "One of the three elements has been addressed.",
         "The authority has set two actions: none is complete yet and one is overdue."),
        ((3, 3, 4, 4, 0), "All three elements have been addressed.",
         "The authority has set four actions: all four are complete."),
        ((1, 0, 1, 0, 1), "The one element has not been addressed yet.",
         "The authority has set one action: it is overdue."),
        ((5, 2, 6, 3, 2), "Two of the five elements have been addressed.",
         "The authority has set six actions: three are complete and two are overdue."),
    ],
)  # fmt: skip
def test_the_summary_reads_as_plain_english(counts, elements, actions):
    from improvement.documents import actions_sentence, elements_sentence
    from improvement.selectors import PlanProgress

    progress = PlanProgress(*counts)
    assert elements_sentence(progress) == elements
    assert actions_sentence(progress) == actions
