"""Decide what a file is from its content, never from its name.

`detect(file)` reads the leading bytes and, for ZIP containers, the ZIP central directory and
`[Content_Types].xml`. It returns the recognised kind or raises `UploadRejected` with a message
that says what the file is and what to do. Whether that kind is allowed for a particular use is
the policy's business (core.uploads.services).

Office files (.docx, .xlsx, .pptx) are ZIP containers. Before anything is decompressed, the
sizes declared in the central directory are bounded: Python's zipfile never returns more bytes
for an entry than the directory declares (and fails the CRC check if the data disagrees), so a
bound on the declared sizes also bounds what openpyxl and friends will later inflate.
"""

import codecs
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree

from core.uploads.errors import (
    ARCHIVE,
    CSV_ENCODING,
    DAMAGED,
    EMPTY,
    ENCRYPTED,
    EXECUTABLE,
    LEGACY_OFFICE,
    MACROS,
    OPEN_DOCUMENT,
    SVG,
    TOO_MANY_PARTS,
    WEB_PAGE,
    ZIP_BOMB,
    UploadRejected,
)
from core.uploads.policies import KINDS, MB, Kind

HEAD_BYTES = 8192
CHUNK_BYTES = 1 * MB

# ZIP limits, checked on the central directory before anything is inflated.
# - Entries: a large workbook or slide deck has a few hundred parts; 10,000 is ample.
# - Uncompressed size: data-heavy spreadsheets inflate about 7:1 (a 20 MB XLSX of readings made
#   by openpyxl holds 150 MB of XML), documents with pictures about 1:1 to 3:1. The absolute cap
#   is ten times the largest upload (50 MB); the ratio cap keeps a small file from costing more
#   than 100 times its size to open, well above genuine files and far below a zip bomb (deflate
#   reaches 1,032:1 per entry; overlapping entries reach millions to one).
MAX_ZIP_ENTRIES = 10_000
MAX_CENTRAL_DIRECTORY_BYTES = MAX_ZIP_ENTRIES * 1024
MAX_UNCOMPRESSED_BYTES = 500 * MB
MAX_COMPRESSION_RATIO = 100
RATIO_FLOOR_BYTES = 10 * MB  # below this, a high ratio costs nothing worth refusing
MAX_CONTENT_TYPES_BYTES = 1 * MB


@dataclass(frozen=True)
class Detection:
    kind: Kind
    encoding: str = ""  # for text: the codec that decodes it ("utf-8-sig", "cp1252")

    @property
    def content_type(self) -> str:
        return KINDS[self.kind].content_type

    @property
    def extension(self) -> str:
        return KINDS[self.kind].extension


class Unrecognised(Exception):
    """The content is none of the kinds the checks know (the caller words the message)."""


def _refuse(message: str, code: str) -> UploadRejected:
    return UploadRejected(message, code=code)


def _read_at(file: IO[bytes], offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)


def _size_of(file: IO[bytes]) -> int:
    file.seek(0, 2)
    return file.tell()


# --- Signatures -------------------------------------------------------------------------------

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
GIF_MAGICS = (b"GIF87a", b"GIF89a")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

EXECUTABLE_MAGICS = (
    b"\x7fELF",  # Linux and other Unix programs
    b"\xfe\xed\xfa\xce",  # Mach-O (macOS), both byte orders and word sizes
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, and Java class files
    b"\x00asm",  # WebAssembly
    b"dex\n",  # Android
    b"L\x00\x00\x00\x01\x14\x02\x00",  # Windows shortcut (.lnk)
    b"#!",  # scripts with an interpreter line
)

ARCHIVE_MAGICS = (
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x1f\x8b",  # gzip
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"MSCF\x00\x00\x00\x00",  # Windows cabinet
    b"\x60\xea",  # ARJ
)

# The WHATWG sniffing algorithm's HTML openers, plus SVG, XML and other active markup.
_MARKUP_ANYWHERE = (b"<script", b"<html", b"<iframe", b"<body", b"<svg", b"<object", b"<embed")
_SVG = re.compile(rb"<svg[\s>/]")


def _is_windows_program(head: bytes) -> bool:
    # "MZ" could start a line of text; a program's DOS header always has NUL bytes after it.
    return head.startswith(b"MZ") and b"\x00" in head[:64]


def _is_bzip2(head: bytes) -> bool:
    return head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] == b"1AY&SY"


def _is_tar(file: IO[bytes]) -> bool:
    return _read_at(file, 257, 5) == b"ustar"


def _is_disk_image(file: IO[bytes]) -> bool:
    return _read_at(file, 32769, 5) == b"CD001"


# --- Entry point ------------------------------------------------------------------------------


def detect(file: IO[bytes]) -> Detection:
    """Return what `file` is, or raise UploadRejected saying why it cannot be accepted."""
    head = _read_at(file, 0, HEAD_BYTES)
    if not head:
        raise _refuse(EMPTY, "empty")
    try:
        if head.startswith(PDF_MAGIC):
            return Detection(Kind.PDF)
        if head.startswith(PNG_MAGIC):
            return Detection(Kind.PNG)
        if head.startswith(JPEG_MAGIC):
            return Detection(Kind.JPEG)
        if head.startswith(GIF_MAGICS):
            return Detection(Kind.GIF)
        if head.startswith(ZIP_MAGICS):
            return Detection(_inspect_zip(file))
        if head.startswith(OLE2_MAGIC):
            if _ole2_is_encrypted(file):
                raise _refuse(ENCRYPTED, "encrypted")
            raise _refuse(LEGACY_OFFICE, "legacy_office")
        if _is_windows_program(head) or head.startswith(EXECUTABLE_MAGICS):
            raise _refuse(EXECUTABLE, "executable")
        if head.startswith(ARCHIVE_MAGICS) or _is_bzip2(head) or _is_tar(file):
            raise _refuse(ARCHIVE, "archive")
        if _is_disk_image(file):
            raise _refuse(ARCHIVE, "archive")
        return _detect_text(file, head)
    finally:
        file.seek(0)


# --- Text -------------------------------------------------------------------------------------

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CSV_DELIMITERS = ",;\t|"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _sniff_markup(head: bytes) -> None:
    start = head.removeprefix(UTF8_BOM).lstrip(b" \t\r\n\x0c").lower()[:1024]
    if _SVG.search(start):
        raise _refuse(SVG, "svg")
    if start.startswith(b"<") or any(tag in start for tag in _MARKUP_ANYWHERE):
        raise _refuse(WEB_PAGE, "web_page")


def _text_encoding(file: IO[bytes]) -> str:
    """Return the codec that decodes the whole file, reading it once for UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    try:
        while chunk := file.read(CHUNK_BYTES):
            if b"\x00" in chunk:
                raise Unrecognised
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    # Windows-1252 (Excel's "CSV (Comma delimited)" on a UK PC) leaves five bytes undefined.
    file.seek(0)
    try:
        while chunk := file.read(CHUNK_BYTES):
            if b"\x00" in chunk:
                raise Unrecognised
            chunk.decode("cp1252")
    except UnicodeDecodeError:
        raise Unrecognised from None
    return "cp1252"


def _detect_text(file: IO[bytes], head: bytes) -> Detection:
    _sniff_markup(head)
    if head.startswith(UTF16_BOMS):
        raise _refuse(CSV_ENCODING, "csv_encoding")
    encoding = _text_encoding(file)
    text = head.removeprefix(UTF8_BOM).decode(encoding, errors="ignore")
    if _CONTROL.search(text):
        raise Unrecognised
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not any(delimiter in first_line for delimiter in CSV_DELIMITERS):
        raise Unrecognised
    if encoding == "utf-8" and head.startswith(UTF8_BOM):
        encoding = "utf-8-sig"
    return Detection(Kind.CSV, encoding=encoding)


# --- Legacy Office (OLE2 compound files) ------------------------------------------------------

_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _ole2_is_encrypted(file: IO[bytes]) -> bool:
    """A password-protected .docx/.xlsx/.pptx is an OLE2 file with an EncryptedPackage stream."""
    file.seek(0)
    tail = b""
    while chunk := file.read(CHUNK_BYTES):
        if _ENCRYPTED_PACKAGE in tail + chunk:
            return True
        tail = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return False


# --- ZIP and Office Open XML ------------------------------------------------------------------

_EOCD = struct.Struct("<4sHHHHIIH")
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_LOCAL_HEADER_BYTES = 30

OOXML_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": Kind.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": Kind.XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        Kind.PPTX
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": Kind.PPTX,
}
# Content types that mean code: VBA projects, macro-enabled documents, ActiveX controls.
_CODE_CONTENT_TYPE = re.compile(r"macroenabled|vbaproject|vbadata|activex", re.IGNORECASE)
_CODE_PART_NAMES = frozenset(
    {"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin", "vbaprojectsignatureagile.bin"}
)
_CODE_EXTENSIONS = (
    ".docm",
    ".dotm",
    ".xlsm",
    ".xltm",
    ".xlam",
    ".xlsb",
    ".pptm",
    ".potm",
    ".ppsm",
    ".ppam",
)


def _zip_directory(file: IO[bytes]) -> tuple[int, int, int]:
    """Return (entries, directory size, directory offset) from the end-of-directory record."""
    size = _size_of(file)
    tail_start = max(0, size - (_EOCD.size + 0xFFFF))
    tail = _read_at(file, tail_start, size - tail_start)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + _EOCD.size > len(tail):
        raise _refuse(DAMAGED, "damaged")
    _, disk, directory_disk, _, entries, directory_size, directory_offset, _ = _EOCD.unpack_from(
        tail, pos
    )
    if disk or directory_disk:
        raise _refuse(DAMAGED, "damaged")  # split across "disks"
    if 0xFFFF in (entries,) or 0xFFFFFFFF in (directory_size, directory_offset):
        locator_at = tail_start + pos - _ZIP64_LOCATOR.size
        locator = _read_at(file, max(0, locator_at), _ZIP64_LOCATOR.size)
        if locator_at < 0 or len(locator) < _ZIP64_LOCATOR.size:
            raise _refuse(DAMAGED, "damaged")
        signature, _, record_at, _ = _ZIP64_LOCATOR.unpack(locator)
        record = _read_at(file, record_at, _ZIP64_EOCD.size)
        if signature != b"PK\x06\x07" or len(record) < _ZIP64_EOCD.size:
            raise _refuse(DAMAGED, "damaged")
        fields = _ZIP64_EOCD.unpack(record)
        if fields[0] != b"PK\x06\x06":
            raise _refuse(DAMAGED, "damaged")
        entries, directory_size, directory_offset = fields[7], fields[8], fields[9]
    return entries, directory_size, directory_offset


def _check_entries(infos: list[zipfile.ZipInfo], size: int) -> None:
    limit = min(MAX_UNCOMPRESSED_BYTES, max(RATIO_FLOOR_BYTES, MAX_COMPRESSION_RATIO * size))
    total = 0
    seen: set[str] = set()
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(ENCRYPTED, "encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(DAMAGED, "damaged")
        name = info.filename
        parts = name.split("/")
        if name.startswith("/") or "\\" in name or ".." in parts or name.lower() in seen:
            raise _refuse(DAMAGED, "damaged")
        seen.add(name.lower())
        # Deflate never makes data more than a fraction larger, so more compressed bytes than
        # declared output means the declared size is a lie (zipfile would stop at it anyway).
        if info.compress_size > info.file_size + (info.file_size >> 10) + 1024:
            raise _refuse(DAMAGED, "damaged")
        total += info.file_size
        if total > limit:
            raise _refuse(ZIP_BOMB, "zip_bomb")
    # Entries whose data overlap are how the most compact bombs repeat one compressed stream.
    spans = sorted((info.header_offset, info.compress_size) for info in infos)
    for (offset, length), (next_offset, _) in zip(spans, spans[1:], strict=False):
        if next_offset < offset + _LOCAL_HEADER_BYTES + length:
            raise _refuse(ZIP_BOMB, "zip_bomb")


def _contains_code(names: set[str]) -> bool:
    return any(
        name.rsplit("/", 1)[-1] in _CODE_PART_NAMES
        or "/activex/" in f"/{name}"
        or name.endswith(_CODE_EXTENSIONS)
        for name in names
    )


def _inspect_zip(file: IO[bytes]) -> Kind:
    entries, directory_size, directory_offset = _zip_directory(file)
    if entries > MAX_ZIP_ENTRIES or directory_size > MAX_CENTRAL_DIRECTORY_BYTES:
        raise _refuse(TOO_MANY_PARTS, "too_many_parts")
    size = _size_of(file)
    if directory_offset + directory_size > size:
        raise _refuse(DAMAGED, "damaged")
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _refuse(TOO_MANY_PARTS, "too_many_parts")
        _check_entries(infos, size)
        by_name = {info.filename.lower(): info for info in infos}
        names = set(by_name)
        if "[content_types].xml" not in names:
            mimetype = by_name.get("mimetype")
            if mimetype is not None and archive.read(mimetype)[:100].startswith(
                b"application/vnd.oasis.opendocument"
            ):
                raise _refuse(OPEN_DOCUMENT, "open_document")
            raise _refuse(ARCHIVE, "archive")
        if _contains_code(names):
            raise _refuse(MACROS, "macros")
        content_types = by_name["[content_types].xml"]
        if content_types.file_size > MAX_CONTENT_TYPES_BYTES:
            raise _refuse(DAMAGED, "damaged")
        return _ooxml_kind(archive.read(content_types), names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise _refuse(DAMAGED, "damaged") from error
    except (ValueError, struct.error, UnicodeDecodeError, RuntimeError) as error:
        raise _refuse(DAMAGED, "damaged") from error


def _ooxml_kind(content_types: bytes, names: set[str]) -> Kind:
    upper = content_types.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise _refuse(DAMAGED, "damaged")  # no entity expansion, so no "billion laughs"
    try:
        root = ElementTree.fromstring(content_types)  # noqa: S314 (no DTD, checked above)
    except ElementTree.ParseError as error:
        raise _refuse(DAMAGED, "damaged") from error
    declared = [
        (element.get("PartName", ""), element.get("ContentType", ""))
        for element in root
        if element.tag.rsplit("}", 1)[-1] in {"Default", "Override"}
    ]
    if any(_CODE_CONTENT_TYPE.search(content_type) for _, content_type in declared):
        raise _refuse(MACROS, "macros")
    mains = {
        (part.lstrip("/").lower(), OOXML_MAIN_TYPES[content_type])
        for part, content_type in declared
        if content_type in OOXML_MAIN_TYPES
    }
    if not mains:
        raise Unrecognised  # some other Open Packaging format (Visio, XPS, ...)
    if len(mains) != 1:
        raise _refuse(DAMAGED, "damaged")
    ((part, kind),) = mains
    if part not in names:
        raise _refuse(DAMAGED, "damaged")
    return kind
