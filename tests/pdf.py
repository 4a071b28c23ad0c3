"""Reading a rendered PDF in tests (poppler's pdftotext and pdfinfo) and waiting for a real
worker to finish a document."""

import subprocess
import time
from pathlib import Path

from reports.models import Document


def pdf_text(path: Path) -> str:
    """The PDF's text in reading order, its whitespace collapsed to single spaces."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def pdf_info(path: Path) -> str:
    """pdfinfo's report on the PDF (e.g. its "Tagged:" line)."""
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def wait_for_document(
    document_id: int, workers, timeout: float = 180, interval: float = 0.2
) -> Document:
    """Poll the document until it is ready or failed; fail with the worker's log if it is not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.state in {Document.State.READY, Document.State.FAILED}:
            return document
        time.sleep(interval)
    raise AssertionError(workers.current.log()[-3000:] if workers.current else "no worker")
