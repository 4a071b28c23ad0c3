"""The upload pipeline (core.uploads): hostile files refused with their own message and nothing
stored; genuine files stored privately under a safe name; limits enforced while streaming;
downloads only for people who may see the file's owner, as attachments browsers will not run."""

import hashlib
import io
import socket
import struct
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from django import forms
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.core.management import call_command
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParser
from django.middleware.csrf import _get_new_csrf_string
from django.template import Context, Template
from django.test import Client
from django.urls import path, reverse

from accounts.models import Role
from core.models import AuditEvent, StoredFile
from core.uploads import (
    LimitedUploadHandler,
    UploadField,
    UploadFormMixin,
    UploadRejected,
    policy_get,
    stored_file_scan,
    upload_accept,
    upload_limit,
    upload_refusal,
)
from core.uploads import errors as messages
from core.uploads.names import MAX_NAME_LENGTH, name_sanitise
from core.uploads.policies import MB, Kind
from core.uploads.scanning import CONTENT_CHECKS_DETAIL, ClamdScanner, ScannerUnavailable
from tests.core import sample_files as samples
from tests.core.hostile_files import HOSTILE_FILES
from tests.factories import login, organisation, person

pytestmark = pytest.mark.django_db

EVIDENCE = policy_get("evidence")
IMPORT = policy_get("import")


def as_file(data: bytes, name: str) -> File:
    # Django's File keeps the name as given (UploadedFile would strip folders), so the checks
    # see exactly what an attacker could send.
    return File(io.BytesIO(data), name=name)


def stored_paths(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def contact(reference_data):
    return person(Role.AUTHORITY_CONTACT)  # West Dunbartonshire


# --- Every hostile file is refused, with its own message, and nothing is kept -----------------


@pytest.mark.parametrize("policy", [EVIDENCE, IMPORT], ids=lambda p: p.code)
@pytest.mark.parametrize("hostile", HOSTILE_FILES, ids=lambda h: h.id)
def test_hostile_file_is_refused_and_nothing_is_stored(hostile, policy, contact, settings):
    data = hostile.make(policy)
    with pytest.raises(UploadRejected) as refused:
        upload_accept(file=as_file(data, hostile.name), policy=policy, by=contact)
    assert refused.value.message == hostile.message(policy)
    assert stored_paths(settings) == []
    assert not StoredFile.objects.exists()
    assert not AuditEvent.objects.filter(action="file_uploaded").exists()


def test_every_reason_for_refusal_has_its_own_message():
    constants = {k: v for k, v in vars(messages).items() if k.isupper() and isinstance(v, str)}
    assert len(set(constants.values())) == len(constants)
    assert {hostile.expected for hostile in HOSTILE_FILES} <= set(constants.values())


# --- Genuine files are accepted, typed by content, and stored privately -----------------------

GOOD_FILES = [
    ("Self-evaluation.pdf", samples.pdf, Kind.PDF, "Self-evaluation.pdf"),
    ("Case notes.docx", samples.docx, Kind.DOCX, "Case notes.docx"),
    ("Readings 2026.xlsx", samples.xlsx, Kind.XLSX, "Readings 2026.xlsx"),
    ("Feedback.pptx", samples.pptx, Kind.PPTX, "Feedback.pptx"),
    ("population.csv", samples.csv_utf8, Kind.CSV, "population.csv"),
    ("population-bom.csv", lambda: samples.csv_utf8(bom=True), Kind.CSV, "population-bom.csv"),
    ("population-excel.csv", samples.csv_windows_1252, Kind.CSV, "population-excel.csv"),
    ("Screenshot.png", samples.png, Kind.PNG, "Screenshot.png"),
    ("Photo.JPEG", samples.jpeg, Kind.JPEG, "Photo.jpg"),
    # The type comes from the content, and the name's extension is made to match it.
    ("minutes.pdf", samples.docx, Kind.DOCX, "minutes.docx"),
    ("readings", samples.xlsx, Kind.XLSX, "readings.xlsx"),
    ("C:\\fakepath\\  .hidden   plan.pdf", samples.pdf, Kind.PDF, "hidden plan.pdf"),
]


@pytest.mark.parametrize(("name", "make", "kind", "safe_name"), GOOD_FILES, ids=lambda v: str(v))
def test_genuine_file_is_stored_privately_under_a_safe_name(
    name, make, kind, safe_name, contact, settings
):
    data = make()
    stored = upload_accept(file=as_file(data, name), policy=EVIDENCE, by=contact)

    stored.refresh_from_db()
    assert stored.kind == kind
    assert stored.safe_name == safe_name
    assert stored.original_name == name
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.scan_state == StoredFile.ScanState.CLEAN
    assert stored.scan_detail == CONTENT_CHECKS_DETAIL
    assert stored.uploaded_by == contact
    # Stored under an unguessable path with no trace of the person's file name.
    assert stored.file.name == f"uploads/evidence/{stored.pk.hex}"
    [on_disk] = stored_paths(settings)
    assert on_disk.read_bytes() == data
    event = AuditEvent.objects.get(action="file_uploaded")
    assert event.actor == contact
    assert event.object_id == str(stored.pk)
    assert event.new_value["sha256"] == stored.sha256


def test_csv_encoding_is_recorded_by_the_checks():
    from core.uploads.detection import detect

    assert detect(io.BytesIO(samples.csv_utf8())).encoding == "utf-8"
    assert detect(io.BytesIO(samples.csv_utf8(bom=True))).encoding == "utf-8-sig"
    assert detect(io.BytesIO(samples.csv_windows_1252())).encoding == "cp1252"


def test_each_policy_has_its_own_allow_list(contact, settings):
    with pytest.raises(UploadRejected) as refused:
        upload_accept(file=as_file(samples.pdf(), "plan.pdf"), policy=IMPORT, by=contact)
    assert refused.value.message == "The selected file must be a CSV or Excel file"
    with pytest.raises(UploadRejected) as refused:
        upload_accept(file=as_file(samples.gif(), "logo.gif"), policy=EVIDENCE, by=contact)
    assert refused.value.message == (
        "The selected file must be a PDF, Word, Excel, PowerPoint, CSV or image file"
    )
    assert stored_paths(settings) == []
    assert upload_accept(file=as_file(samples.xlsx(), "a.xlsx"), policy=IMPORT, by=contact)


def test_a_file_of_exactly_the_limit_is_accepted(contact):
    data = samples.csv_utf8()
    data += b"x" * (IMPORT.max_bytes - len(data))
    stored = upload_accept(file=as_file(data, "big.csv"), policy=IMPORT, by=contact)
    assert stored.size == IMPORT.max_bytes


def test_file_is_attached_to_its_owner(contact):
    council = organisation("west-dunbartonshire")
    stored = upload_accept(
        file=as_file(samples.pdf(), "a.pdf"), policy=EVIDENCE, by=contact, owner=council
    )
    stored = StoredFile.objects.get(pk=stored.pk)
    assert stored.owner == council


def test_database_failure_leaves_no_file_behind(contact, settings, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("core.uploads.services.audit_record", broken)
    with pytest.raises(RuntimeError):
        upload_accept(file=as_file(samples.pdf(), "a.pdf"), policy=EVIDENCE, by=contact)
    assert stored_paths(settings) == []
    assert not StoredFile.objects.exists()


def test_storage_failure_part_way_leaves_no_partial_file(contact, settings, monkeypatch):
    def write_half_then_fail(storage, name, content):
        target = Path(storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"%PDF-1.4")
        raise OSError("No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", write_half_then_fail)
    # The store's OSError reaches the person as a refusal they can act on (test_storage_faults).
    with pytest.raises(UploadRejected):
        upload_accept(file=as_file(samples.pdf(), "a.pdf"), policy=EVIDENCE, by=contact)
    assert stored_paths(settings) == []
    assert not StoredFile.objects.exists()


def test_hints_show_the_types_and_limit_before_upload():
    assert EVIDENCE.hint == "Upload a PDF, Word, Excel, PowerPoint, CSV or image file, up to 50 MB"
    assert IMPORT.hint == "Upload a CSV or Excel file, up to 20 MB"
    assert IMPORT.accept == ".csv,.xlsx"


# --- Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("report.pdf", "pdf", "report.pdf"),
        ("/var/tmp/report.pdf", "pdf", "report.pdf"),
        ("C:\\Users\\Jo\\report.pdf", "pdf", "report.pdf"),
        ("report.exe", "pdf", "report.pdf"),
        ("  Annual\t\treport \u00a0 2026 .docx", "docx", "Annual report 2026.docx"),
        ("...profile", "csv", "profile.csv"),
        ('what? <why>: "who" | * .csv', "csv", "what_ _why__ _who_ _ _.csv"),
        ("\u200fتقرير\u200e.pdf", "pdf", "تقرير.pdf"),
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.pdf"),
        ("report\x00.pdf", "pdf", "report.pdf"),
        ("CON.csv", "csv", "_CON.csv"),
        ("com1.tar.gz", "csv", "_com1.tar.csv"),
        ("", "pdf", "file.pdf"),
        ("...", "pdf", "file.pdf"),
    ],
)
def test_name_sanitise(name, extension, expected):
    assert name_sanitise(name, extension=extension) == expected


def test_long_names_are_cut_keeping_the_extension():
    safe = name_sanitise("a" * 300 + ".pdf", extension="pdf")
    assert len(safe) == MAX_NAME_LENGTH
    assert safe.endswith("a.pdf")


# --- Limits enforced while the body streams in ------------------------------------------------

BOUNDARY = "UpLoAdBoUnDaRy"


class EndlessBody:
    """A request body that counts what is read from it: a prefix, then zeros up to `total`."""

    def __init__(self, prefix: bytes, total: int):
        self.prefix, self.total, self.position = prefix, total, 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.total - self.position
        size = min(size, self.total - self.position)
        start = self.position
        chunk = self.prefix[start : start + size]
        self.position += size
        return chunk + bytes(size - len(chunk))


def part(name: str, filename: str | None = None, headers: str = "") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{headers}\r\n".encode()


def parse(body, handlers):
    meta = {
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(body.total),
    }
    return MultiPartParser(meta, body, handlers, "utf-8").parse()


class FakeRequest:
    pass


def test_handler_stops_reading_the_body_once_a_file_passes_the_limit():
    request = FakeRequest()
    handlers = [
        LimitedUploadHandler(request, max_bytes=1 * MB),
        MemoryFileUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]
    prefix = part("csrfmiddlewaretoken") + b"token\r\n" + part("file", "big.csv")
    body = EndlessBody(prefix, total=64 * MB)  # stands in for a 5 GB body

    post, files = parse(body, handlers)

    assert post["csrfmiddlewaretoken"] == "token"  # fields before the file are kept
    assert "file" not in files
    assert request.upload_refused == messages.TOO_LARGE.format(limit="1 MB")
    # Read no more than the limit plus a couple of 64 KB chunks, not the whole 64 MB.
    assert body.position < 1 * MB + 256 * 1024


def test_handler_refuses_a_part_that_declares_its_length_before_reading_it():
    request = FakeRequest()
    handlers = [LimitedUploadHandler(request, max_bytes=1 * MB), MemoryFileUploadHandler(request)]
    prefix = part("file", "big.csv", headers=f"Content-Length: {5 * 1024**3}\r\n")
    body = EndlessBody(prefix, total=64 * MB)

    parse(body, handlers)

    assert request.upload_refused == messages.TOO_LARGE.format(limit="1 MB")
    assert body.position <= 256 * 1024


def test_handler_limits_the_total_of_several_files():
    request = FakeRequest()
    handlers = [
        LimitedUploadHandler(request, max_bytes=1 * MB, max_total_bytes=int(1.5 * MB)),
        MemoryFileUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]
    almost = b"a,b\n" * (MB // 4 - 1)
    prefix = (
        part("first", "a.csv")
        + almost
        + b"\r\n"
        + part("second", "b.csv")
        + almost
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    body = EndlessBody(prefix, total=len(prefix))

    post, files = parse(body, handlers)

    assert "first" in files and "second" not in files
    assert request.upload_refused == messages.TOO_LARGE_IN_TOTAL.format(limit="1.5 MB")


def test_handler_passes_files_within_the_limit():
    request = FakeRequest()
    handlers = [LimitedUploadHandler(request, max_bytes=1 * MB), MemoryFileUploadHandler(request)]
    data = samples.csv_utf8()
    prefix = part("file", "ok.csv") + data + f"\r\n--{BOUNDARY}--\r\n".encode()

    post, files = parse(EndlessBody(prefix, total=len(prefix)), handlers)

    assert files["file"].read() == data
    assert not hasattr(request, "upload_refused")


class ReadingsForm(UploadFormMixin, forms.Form):
    file = UploadField(policy="import", label="Upload the readings")


@upload_limit("import")
def readings_upload(request):
    """A view as a feature would write one (test URLconf only)."""
    form = ReadingsForm()
    if request.method == "POST":
        form = ReadingsForm(request.POST, request.FILES, upload_refused=upload_refusal(request))
        if form.is_valid():
            try:
                stored = upload_accept(
                    file=form.cleaned_data["file"], policy="import", by=request.user
                )
            except UploadRejected as error:
                form.add_upload_error(error)
            else:
                return HttpResponse(f"Stored {stored.safe_name}")
    page = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))
    return HttpResponse(f"{page}<p>after-field:{'after' in request.POST}</p>")


urlpatterns = [path("upload/", readings_upload, name="readings_upload")]


@pytest.mark.urls("tests.core.test_uploads")
def test_form_shows_types_and_limit_before_upload(client, contact):
    login(client, contact)
    page = client.get("/upload/").content.decode()
    assert "Upload a CSV or Excel file, up to 20 MB" in page
    assert 'accept=".csv,.xlsx"' in page
    assert "govuk-file-upload" in page


@pytest.mark.urls("tests.core.test_uploads")
def test_too_large_upload_is_stopped_while_streaming_and_the_person_told(contact, settings):
    client = Client(enforce_csrf_checks=True)
    login(client, contact)
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    too_big = b"a,b\n" * (IMPORT.max_bytes // 4) + b"x"  # 20 MB and one byte

    response = client.post(
        "/upload/",
        {
            "csrfmiddlewaretoken": token,
            "file": SimpleUploadedFile("readings.csv", too_big),
            "after": "sent after the file",
        },
    )

    page = response.content.decode()
    assert response.status_code == 200  # the CSRF token came first and was checked
    assert messages.TOO_LARGE.format(limit="20 MB") in page
    assert "after-field:False" in page  # the rest of the body was never read
    assert stored_paths(settings) == []
    assert not StoredFile.objects.exists()


@pytest.mark.urls("tests.core.test_uploads")
def test_upload_view_still_checks_the_csrf_token(contact):
    client = Client(enforce_csrf_checks=True)
    login(client, contact)
    response = client.post("/upload/", {"file": SimpleUploadedFile("a.csv", b"a,b\n")})
    assert response.status_code == 403
    assert not StoredFile.objects.exists()


@pytest.mark.urls("tests.core.test_uploads")
def test_hostile_upload_through_a_form_shows_its_message(client, contact, settings):
    login(client, contact)
    response = client.post(
        "/upload/",
        {"file": SimpleUploadedFile("readings.csv", b"\x7fELF\x02\x01\x01" + bytes(57))},
    )
    assert response.status_code == 200
    assert messages.EXECUTABLE in response.content.decode()
    assert stored_paths(settings) == []


@pytest.mark.urls("tests.core.test_uploads")
def test_genuine_upload_through_a_form_is_stored(client, contact):
    login(client, contact)
    response = client.post(
        "/upload/", {"file": SimpleUploadedFile("readings.xlsx", samples.xlsx())}
    )
    assert response.content.decode() == "Stored readings.xlsx"
    assert StoredFile.objects.get().kind == Kind.XLSX


# --- Download: only for people who may see the owner; as an attachment; audited -------------


@pytest.fixture
def council_file(contact):
    council = organisation("west-dunbartonshire")
    return upload_accept(
        file=as_file(samples.pdf(), "Self-evaluation.pdf"),
        policy=EVIDENCE,
        by=contact,
        owner=council,
    )


def download(client, stored_file):
    return client.get(reverse("core:file_download", kwargs={"pk": stored_file.pk}))


def test_member_of_the_owner_downloads_as_an_attachment(client, council_file):
    colleague = person(Role.LOCAL_COORDINATOR)  # also West Dunbartonshire
    login(client, colleague)

    response = download(client, council_file)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.pdf()
    assert response["Content-Disposition"] == 'attachment; filename="Self-evaluation.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    event = AuditEvent.objects.get(action="file_downloaded")
    assert event.actor == colleague
    assert event.object_id == str(council_file.pk)


def test_inspectors_download_because_they_may_see_the_owner(client, council_file):
    login(client, person(Role.INSPECTOR))
    assert download(client, council_file).status_code == 200


def test_outsider_gets_nothing(client, council_file):
    outsider = person(Role.AUTHORITY_CONTACT, "inverclyde")
    login(client, outsider)

    response = download(client, council_file)

    assert response.status_code == 404
    assert b"%PDF" not in response.content
    assert not AuditEvent.objects.filter(action="file_downloaded").exists()


def test_unattached_file_is_only_for_the_person_who_uploaded_it(client, contact):
    stored = upload_accept(file=as_file(samples.pdf(), "draft.pdf"), policy=EVIDENCE, by=contact)
    login(client, person(Role.LOCAL_COORDINATOR))  # same council, but not the uploader
    assert download(client, stored).status_code == 404
    login(client, contact)
    assert download(client, stored).status_code == 200


def test_unknown_file_is_404_and_anonymous_people_sign_in(client, council_file):
    response = download(client, council_file)
    assert response.status_code == 302
    assert reverse("accounts:sign_in") in response.url
    login(client, person(Role.INSPECTOR))
    unknown = client.get("/files/00000000-0000-0000-0000-000000000000/download/")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (StoredFile.ScanState.PENDING, messages.NOT_SCANNED),
        (StoredFile.ScanState.REJECTED, messages.REJECTED),
    ],
)
def test_files_not_cleared_by_the_scan_are_not_sent(client, council_file, contact, state, message):
    StoredFile.objects.filter(pk=council_file.pk).update(scan_state=state)
    login(client, contact)
    response = download(client, council_file)
    assert response.status_code == 409
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="file_downloaded").exists()


# --- Virus scanning behind one interface ------------------------------------------------------


def _recv_exact(conn, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError
        data += chunk
    return data


@contextmanager
def fake_clamd(reply: bytes):
    """A clamd stand-in on a local port that reads one INSTREAM and answers `reply`."""
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def serve():
        conn, _ = server.accept()
        with conn:
            assert _recv_exact(conn, 10) == b"zINSTREAM\0"
            while length := struct.unpack("!L", _recv_exact(conn, 4))[0]:
                received.extend(_recv_exact(conn, length))
            conn.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        thread.join(timeout=5)
        server.close()


def closed_port_address() -> str:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def test_clamd_scanner_streams_the_file_and_reads_the_verdict():
    data = samples.pdf()
    with fake_clamd(b"stream: OK\0") as (address, received):
        result = ClamdScanner(address, timeout=5).scan(io.BytesIO(data))
    assert result.clean
    assert bytes(received) == data
    with fake_clamd(b"stream: Eicar-Test-Signature FOUND\0") as (address, _):
        result = ClamdScanner(address, timeout=5).scan(io.BytesIO(data))
    assert not result.clean
    assert "Eicar-Test-Signature" in result.detail
    with pytest.raises(ScannerUnavailable):
        ClamdScanner(closed_port_address(), timeout=5).scan(io.BytesIO(data))


@pytest.fixture
def clamd_settings(settings):
    settings.FILE_SCANNER = "core.uploads.scanning.ClamdScanner"
    settings.CLAMD_TIMEOUT = 5
    return settings


def test_infected_file_is_refused_and_nothing_stored(contact, clamd_settings):
    with fake_clamd(b"stream: Win.Test.EICAR_HDB-1 FOUND\0") as (address, _):
        clamd_settings.CLAMD_ADDRESS = address
        with pytest.raises(UploadRejected) as refused:
            upload_accept(file=as_file(samples.pdf(), "a.pdf"), policy=EVIDENCE, by=contact)
    assert refused.value.message == messages.INFECTED
    assert stored_paths(clamd_settings) == []
    assert not StoredFile.objects.exists()


def test_file_waits_as_pending_while_the_scanner_is_down_then_is_cleared(
    contact, clamd_settings, client
):
    clamd_settings.CLAMD_ADDRESS = closed_port_address()
    stored = upload_accept(file=as_file(samples.pdf(), "a.pdf"), policy=EVIDENCE, by=contact)
    assert stored.scan_state == StoredFile.ScanState.PENDING
    login(client, contact)
    assert download(client, stored).status_code == 409

    with fake_clamd(b"stream: OK\0") as (address, received):
        clamd_settings.CLAMD_ADDRESS = address
        call_command("scan_pending_files", stdout=io.StringIO())
    stored.refresh_from_db()
    assert stored.scan_state == StoredFile.ScanState.CLEAN
    assert bytes(received) == samples.pdf()
    assert download(client, stored).status_code == 200


def test_pending_file_found_infected_is_rejected_and_its_content_deleted(
    contact, clamd_settings, django_capture_on_commit_callbacks
):
    clamd_settings.CLAMD_ADDRESS = closed_port_address()
    stored = upload_accept(file=as_file(samples.pdf(), "a.pdf"), policy=EVIDENCE, by=contact)
    with (
        fake_clamd(b"stream: Eicar FOUND\0") as (address, _),
        django_capture_on_commit_callbacks(execute=True),
    ):
        clamd_settings.CLAMD_ADDRESS = address
        stored = stored_file_scan(stored_file=stored)
    assert stored.scan_state == StoredFile.ScanState.REJECTED
    assert stored_paths(clamd_settings) == []
    assert AuditEvent.objects.filter(action="file_scanned").exists()
