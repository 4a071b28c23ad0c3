"""Upload check time for a 20 MB PDF, a 20 MB XLSX and a 20 MB CSV.

"check" is core.uploads.upload_check: size, name and content checks (for the XLSX, the ZIP
central directory and [Content_Types].xml; for the CSV, one decoding pass over the whole file).
"check, hash and store" adds the SHA-256 and the copy into a FileSystemStorage, which is what
upload_accept does besides one INSERT and the audit entry. The files are generated once into
the system's temporary folder (the XLSX with openpyxl, which takes a minute) and reused.
"""

import os
import random
import tempfile
from pathlib import Path

from benchmarks.common import Row, timeit

TARGET_BYTES = 20 * 1024 * 1024
FOLDER = Path(tempfile.gettempdir()) / "justice-bench-uploads"


def _pdf(path: Path) -> None:
    """A one-page PDF carrying a 20 MB image stream (as a scanned document would)."""
    noise = random.Random(1).randbytes(TARGET_BYTES)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> >>",
        b"<< /Type /XObject /Subtype /Image /Width 2560 /Height 2730 /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream" % (len(noise), noise),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))


def _xlsx(path: Path) -> None:
    """A workbook of record readings made by openpyxl, just over 20 MB."""
    from openpyxl import Workbook

    rng = random.Random(1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Readings")
    sheet.append(["Record", "Area", "Reader", "Question", "Answer", "Score", "Note"])
    areas = ["North Ayrshire", "South Ayrshire", "East Ayrshire", "Inverclyde", "Fife"]
    answers = ["Yes", "No", "Partly", "Not applicable"]
    for n in range(380_000):
        sheet.append(
            [
                f"CPO/{n:07d}",
                rng.choice(areas),
                f"reader{rng.randrange(40)}@example.org",
                f"Q{rng.randrange(1, 80)}",
                rng.choice(answers),
                rng.random() * 6,
                f"note {rng.getrandbits(48):x}",
            ]
        )
    workbook.save(path)


def _csv(path: Path) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Record,Area,Score,Note\n")
        while out.tell() < TARGET_BYTES:
            out.write(f"CPO/{rng.randrange(10**7):07d},Fife,{rng.random() * 6:.3f},“ok”\n")


def _file(name: str, make) -> Path:
    FOLDER.mkdir(exist_ok=True)
    path = FOLDER / name
    if not path.exists():
        make(path)
    return path


def run() -> list[Row]:
    from django.core.files import File
    from django.core.files.storage import FileSystemStorage

    from core.uploads import upload_check
    from core.uploads.services import _sha256

    files = {
        "PDF": _file("evidence-20mb.pdf", _pdf),
        "XLSX": _file("readings-20mb.xlsx", _xlsx),
        "CSV": _file("readings-20mb.csv", _csv),
    }
    rows = []
    with tempfile.TemporaryDirectory() as media:
        storage = FileSystemStorage(location=media)
        for label, path in files.items():
            size_mb = os.path.getsize(path) / (1024 * 1024)
            with path.open("rb") as handle:
                upload = File(handle, name=path.name)

                def check(upload=upload, label=label):
                    result = upload_check(file=upload, policy="evidence")
                    assert result.detection.kind == label.lower()

                def check_hash_store(upload=upload, label=label):
                    check(upload, label)
                    _sha256(upload)
                    upload.seek(0)
                    storage.delete(storage.save("bench", upload))

                row = timeit(f"upload check, {label}", check, n=30)
                row.note = f"{size_mb:.1f} MB"
                if row.median_ms < 1:
                    row.note += f"; median {row.median_ms * 1000:.0f} µs"
                rows.append(row)
                rows.append(
                    timeit(
                        f"upload check, hash and store, {label}",
                        check_hash_store,
                        n=15,
                        note=f"{size_mb:.1f} MB, SHA-256 + FileSystemStorage",
                    )
                )
    return rows
