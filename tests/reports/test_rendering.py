"""The renderer: tagged PDF/UA with metadata and embedded fonts, and a URL fetcher that reads
nothing but the project's own static files (never a local file, never the network)."""

import re
import shutil
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import weasyprint.urls  # noqa: TID251  (to spy on WeasyPrint's own fetching)

from reports.rendering import (
    MISSING,
    REFUSED,
    STATIC_BASE_URL,
    DocumentRenderError,
    find_static,
    render_pdf,
    url_fetcher,
)

POPPLER = shutil.which("pdfinfo") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="needs poppler-utils (pdfinfo, pdffonts)")

PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>x</title>
<link rel="stylesheet" href="print/document.css">{head}</head>
<body><h1>A heading</h1><p>Some text.</p>{body}</body></html>"""


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body::before { content: 'FETCHED-FROM-LOOPBACK'; }")

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Recorder.requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def weasyprint_fetches(monkeypatch):
    """Every URL that reaches WeasyPrint's own fetcher (the code that reads files and sockets)."""
    seen: list[str] = []
    original = weasyprint.urls.URLFetcher.fetch

    def spy(self, url, headers=None):
        seen.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", spy)
    return seen


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.css"
    path.write_text("body::before { content: 'SECRET-FILE-CONTENTS'; }")
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return _run("pdftotext", str(path), "-")


def _inflated(pdf: bytes) -> bytes:
    """Return the PDF with every compressed stream inflated (to read its structure tree)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


@needs_poppler
def test_pdf_is_tagged_pdf_ua_with_title_author_language_and_embedded_fonts(tmp_path):
    rendered = render_pdf(
        html=PAGE.format(head="", body=""), title="The title", author="Care Inspectorate"
    )
    path = tmp_path / "doc.pdf"
    path.write_bytes(rendered.pdf)

    info = _run("pdfinfo", str(path))
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+The title$", info, re.M)
    assert re.search(r"^Author:\s+Care Inspectorate$", info, re.M)
    meta = _run("pdfinfo", "-meta", str(path))
    assert 'pdfuaid:part="1"' in meta or "<pdfuaid:part>1</pdfuaid:part>" in meta
    assert "en-GB" in meta or b"/Lang (en-GB)" in _inflated(rendered.pdf)
    fonts = [line.split() for line in _run("pdffonts", str(path)).splitlines()[2:]]
    assert fonts, "the PDF has no fonts"
    assert all("Noto-Sans" in f[0] for f in fonts), fonts
    assert all(f[-5] == "yes" for f in fonts), "every font is embedded"
    assert rendered.page_count == 1


def test_an_svg_figure_keeps_its_alternative_text():
    from reports.figures import svg_data_uri

    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10"/></svg>'
    )
    body = f'<img src="{svg_data_uri(svg)}" alt="A black square">'
    rendered = render_pdf(html=PAGE.format(head="", body=body), title="t", author="a")
    assert b"/Alt (A black square)" in _inflated(rendered.pdf)


def test_fetcher_serves_static_files_and_data_uris():
    fetcher = url_fetcher()
    css = fetcher.fetch(STATIC_BASE_URL + "print/document.css")
    assert b"@font-face" in css.read()
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"
    assert fetcher.refused == []


@pytest.mark.parametrize(
    "url",
    [
        STATIC_BASE_URL + "../../etc/passwd",
        STATIC_BASE_URL + "%2e%2e/%2e%2e/etc/passwd",
        STATIC_BASE_URL + "..%2f..%2fetc/passwd",
        "https://documents.invalid/etc/passwd",
        "https://documents.invalid.example/static/print/document.css",
    ],
)
def test_static_lookup_never_leaves_the_static_folders(url):
    assert find_static(url) is None


@pytest.mark.parametrize(
    "head, body",
    [
        ("", '<img src="file:///etc/passwd" alt="x">'),
        ('<link rel="stylesheet" href="file:///etc/passwd">', ""),
        ("<style>@import url('file:///etc/passwd');</style>", ""),
        ('<link rel="stylesheet" href="file://{secret}">', ""),
        ("", '<img src="../../../../../../etc/passwd" alt="x">'),
    ],
    ids=["img", "stylesheet", "css-import", "secret-file", "relative-escape"],
)
def test_a_template_cannot_make_the_renderer_read_a_local_file(
    head, body, secret_file, weasyprint_fetches, caplog
):
    html = PAGE.format(head=head.format(secret=secret_file), body=body)
    with pytest.raises(DocumentRenderError) as refused:
        render_pdf(html=html, title="t", author="a")
    assert refused.value.message == REFUSED
    # WeasyPrint's own fetcher (the code that opens files) never saw anything but data: URIs.
    assert [u for u in weasyprint_fetches if not u.startswith("data:")] == []


@pytest.mark.parametrize(
    "template",
    [
        '<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">',
        '<img src="http://127.0.0.1:{port}/pixel.png" alt="x">',
        "<style>@import url('http://localhost:{port}/evil.css');</style>",
        "<style>body {{ background: url('http://[::1]:{port}/x.png'); }}</style>",
    ],
    ids=["stylesheet", "img", "css-import-localhost", "css-background-ipv6"],
)
def test_a_template_cannot_make_the_renderer_call_a_loopback_address(
    template, loopback_server, weasyprint_fetches
):
    server, requests = loopback_server
    html = PAGE.format(head=template.format(port=server.server_port), body="")
    with pytest.raises(DocumentRenderError):
        render_pdf(html=html, title="t", author="a")
    assert requests == []
    assert [u for u in weasyprint_fetches if not u.startswith("data:")] == []


def test_a_missing_static_file_stops_the_render_with_a_reason():
    with pytest.raises(DocumentRenderError) as missing:
        render_pdf(
            html=PAGE.format(head="", body='<img src="nope.png" alt="x">'), title="t", author="a"
        )
    assert missing.value.message == MISSING


@needs_poppler
@pytest.mark.django_db
def test_urls_typed_into_the_framework_are_printed_never_fetched(
    framework, loopback_server, secret_file, weasyprint_fetches, tmp_path, sent
):
    from qi_framework.models import Illustration, QualityIndicator
    from reports.models import Document
    from reports.services import document_render, document_request

    server, requests = loopback_server
    typed = (
        f'<img src="file:///etc/passwd"> <link rel="stylesheet" href="file://{secret_file}">\n\n'
        f"![x](http://127.0.0.1:{server.server_port}/typed.png) "
        f'<link rel="stylesheet" href="http://127.0.0.1:{server.server_port}/typed.css">'
    )
    qi = QualityIndicator.objects.get(framework=framework, code="1.1")
    QualityIndicator.objects.filter(pk=qi.pk).update(
        description=typed, name=f'<img src="file:///etc/passwd"> {qi.name}'
    )
    Illustration.objects.filter(quality_indicator=qi).update(text=typed)

    document = document_request(kind="framework_booklet", subject=framework, by=None)
    document = document_render(document_id=document.pk)

    assert document.state == Document.State.READY, document.failure_reason
    assert requests == []
    assert [u for u in weasyprint_fetches if not u.startswith("data:")] == []
    text = _pdf_text(document.file.read(), tmp_path)
    assert "file:///etc/passwd" in text  # printed as the text it is
    assert "SECRET-FILE-CONTENTS" not in text
    assert "FETCHED-FROM-LOOPBACK" not in text
