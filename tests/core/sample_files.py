"""Genuine files of every accepted kind, made in memory, and the ZIP helpers they share with
the hostile-file generator."""

import io
import struct
import zipfile
import zlib

CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def content_types_xml(main_part: str, main_type: str, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Types xmlns="{CONTENT_TYPES_NS}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        f"{extra}</Types>"
    ).encode()


def rels_xml(main_part: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="{RELS_NS}">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOCUMENT_REL}" Target="{main_part}"/>'
        "</Relationships>"
    ).encode()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main_part: str, main_type: str, body: bytes, extra_parts=None, extra_types="") -> bytes:
    entries = {
        "[Content_Types].xml": content_types_xml(main_part, main_type, extra_types),
        "_rels/.rels": rels_xml(main_part),
        main_part: body,
    }
    entries.update(extra_parts or {})
    return zip_bytes(entries)


def docx() -> bytes:
    """A minimal valid Word document with one paragraph."""
    body = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>Self-evaluation evidence</w:t></w:r></w:p></w:body>"
        b"</w:document>"
    )
    return ooxml("word/document.xml", DOCX_MAIN, body)


def pptx() -> bytes:
    """A minimal PowerPoint package (the parts the content checks read)."""
    body = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>'
    )
    return ooxml("ppt/presentation.xml", PPTX_MAIN, body)


def xlsx(rows: int = 3) -> bytes:
    """A real workbook made by openpyxl."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Record", "Area", "Score"])
    for n in range(rows):
        sheet.append([f"REF-{n:05d}", "West Dunbartonshire", n % 6 + 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf() -> bytes:
    """A tiny hand-written one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png() -> bytes:
    """A 1 x 1 white PNG, chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def gif() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("P", (2, 2)).save(buffer, "GIF")
    return buffer.getvalue()


CSV_ROWS = "Record,Area,Note\nREF-00001,Inverclyde,Seen £50 – “fine”\nREF-00002,Fife,Café\n"


def csv_utf8(bom: bool = False) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + CSV_ROWS.encode("utf-8")


def csv_windows_1252() -> bytes:
    return CSV_ROWS.encode("cp1252")
