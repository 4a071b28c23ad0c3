"""The virus-scan step: one interface, so a scanner such as ClamAV can be plugged in.

`settings.FILE_SCANNER` names the scanner class. Until a real scanner is configured,
`ContentChecksScanner` lets the content checks (core.uploads.detection) decide: they have already
refused everything but the allowed kinds by the time a scanner is asked.

A scanner answers `ScanResult(clean, detail)` or raises `ScannerUnavailable`, in which case the
file is kept as "pending" and cannot be downloaded until `stored_file_scan` (run by the
`scan_pending_files` command) gets an answer.
"""

import logging
import socket
import struct
from dataclasses import dataclass
from typing import IO, Protocol
from urllib.parse import urlparse

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

CONTENT_CHECKS_DETAIL = "No virus scanner is configured; the content checks passed."


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    detail: str


class ScannerUnavailable(Exception):
    """The scanner could not give an answer (down, timed out, or refused the stream)."""


class Scanner(Protocol):
    def scan(self, file: IO[bytes]) -> ScanResult: ...


class ContentChecksScanner:
    """Accept what the content checks accepted (the default until a virus scanner is set)."""

    def scan(self, file: IO[bytes]) -> ScanResult:
        return ScanResult(clean=True, detail=CONTENT_CHECKS_DETAIL)


class ClamdScanner:
    """Ask a clamd daemon over its socket, with the INSTREAM command.

    settings.CLAMD_ADDRESS is "unix:///run/clamav/clamd.ctl" or "tcp://clamav:3310". clamd's
    StreamMaxLength (25 MB by default) must be at least the largest upload policy's limit,
    otherwise clamd answers "size limit exceeded" and files wait as pending.
    """

    CHUNK_BYTES = 64 * 1024

    def __init__(self, address: str | None = None, timeout: float | None = None):
        self.address = address or getattr(settings, "CLAMD_ADDRESS", "unix:///run/clamav/clamd.ctl")
        self.timeout = timeout if timeout is not None else getattr(settings, "CLAMD_TIMEOUT", 60)

    def _connect(self) -> socket.socket:
        url = urlparse(self.address)
        if url.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: str | tuple[str, int] = url.path
        elif url.scheme == "tcp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            target = (url.hostname or "localhost", url.port or 3310)
        else:
            raise ScannerUnavailable(f"CLAMD_ADDRESS must start unix:// or tcp://: {self.address}")
        sock.settimeout(self.timeout)
        try:
            sock.connect(target)
        except OSError:
            sock.close()
            raise
        return sock

    def scan(self, file: IO[bytes]) -> ScanResult:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                file.seek(0)
                while chunk := file.read(self.CHUNK_BYTES):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                reply = _read_reply(sock)
        except OSError as error:
            raise ScannerUnavailable(f"clamd did not answer: {error}") from error
        finally:
            file.seek(0)
        # "stream: OK", "stream: Eicar-Test-Signature FOUND" or "... ERROR".
        answer = reply.removeprefix("stream:").strip()
        if answer == "OK":
            return ScanResult(clean=True, detail="ClamAV found nothing.")
        if answer.endswith(" FOUND"):
            return ScanResult(clean=False, detail=f"ClamAV found {answer.removesuffix(' FOUND')}.")
        raise ScannerUnavailable(f"clamd answered: {reply}")


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\0"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > 4096:
            break
    return data.rstrip(b"\0").decode("utf-8", errors="replace").strip()


def scanner_get() -> Scanner:
    """Return the configured scanner (settings.FILE_SCANNER, a dotted path to a class)."""
    path = getattr(settings, "FILE_SCANNER", "core.uploads.scanning.ContentChecksScanner")
    return import_string(path)()
