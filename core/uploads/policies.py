"""What each use of uploads accepts: the kinds of file and the largest size.

A policy is looked up by code (`policy_get("evidence")`). Features whose uploads need a different
allow-list or limit register their own policy at import time, in their app's `uploads.py` or
`apps.py`, with `policy_register`.
"""

from dataclasses import dataclass
from enum import StrEnum

MB = 1024 * 1024


class Kind(StrEnum):
    """A type of file the content checks can recognise and accept."""

    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    PPTX = "pptx"
    CSV = "csv"
    PNG = "png"
    JPEG = "jpeg"
    GIF = "gif"


@dataclass(frozen=True)
class KindInfo:
    label: str  # as people know it: "Word", "image"
    extension: str  # the extension a stored file's name is given
    content_type: str
    accept: tuple[str, ...]  # extensions for the file input's accept attribute


KINDS: dict[Kind, KindInfo] = {
    Kind.PDF: KindInfo("PDF", "pdf", "application/pdf", (".pdf",)),
    Kind.DOCX: KindInfo(
        "Word",
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    Kind.XLSX: KindInfo(
        "Excel",
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
    ),
    Kind.PPTX: KindInfo(
        "PowerPoint",
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
    ),
    Kind.CSV: KindInfo("CSV", "csv", "text/csv", (".csv",)),
    Kind.PNG: KindInfo("image", "png", "image/png", (".png",)),
    Kind.JPEG: KindInfo("image", "jpg", "image/jpeg", (".jpg", ".jpeg")),
    Kind.GIF: KindInfo("image", "gif", "image/gif", (".gif",)),
}


def size_label(size: int) -> str:
    """Return a size as people read it: "50 MB", "1.5 MB", "200 KB"."""
    if size >= MB:
        value = size / MB
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} bytes"


def _join_or(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} or {items[-1]}"


@dataclass(frozen=True)
class UploadPolicy:
    code: str
    label: str
    kinds: tuple[Kind, ...]
    max_bytes: int

    def __post_init__(self):
        if not self.kinds:
            raise ValueError("An upload policy must allow at least one kind of file.")
        if self.max_bytes <= 0:
            raise ValueError("An upload policy's size limit must be positive.")

    @property
    def size_label(self) -> str:
        return size_label(self.max_bytes)

    @property
    def allowed_description(self) -> str:
        """Return "a PDF, Word, ... or image file" for hints and error messages."""
        labels = list(dict.fromkeys(KINDS[kind].label for kind in self.kinds))
        article = "an" if labels[0][0].lower() in "aeiou" else "a"
        return f"{article} {_join_or(labels)} file"

    @property
    def hint(self) -> str:
        return f"Upload {self.allowed_description}, up to {self.size_label}"

    @property
    def accept(self) -> str:
        """Return the value of the file input's accept attribute."""
        extensions = [ext for kind in self.kinds for ext in KINDS[kind].accept]
        return ",".join(dict.fromkeys(extensions))


_POLICIES: dict[str, UploadPolicy] = {}


def policy_register(policy: UploadPolicy) -> UploadPolicy:
    """Add a policy to the registry (registering the same policy twice is harmless)."""
    existing = _POLICIES.get(policy.code)
    if existing is not None and existing != policy:
        raise ValueError(f"Upload policy {policy.code!r} is already registered differently.")
    _POLICIES[policy.code] = policy
    return policy


def policy_get(code: "str | UploadPolicy") -> UploadPolicy:
    if isinstance(code, UploadPolicy):
        return code
    try:
        return _POLICIES[code]
    except KeyError:
        raise LookupError(f"No upload policy is registered as {code!r}.") from None


def policies_all() -> list[UploadPolicy]:
    return list(_POLICIES.values())


# Population imports and spreadsheets of readings: tables only. 20 MB holds several hundred
# thousand rows, far beyond the largest population (3,419 records across five inspections).
IMPORT = policy_register(
    UploadPolicy(code="import", label="Import", kinds=(Kind.CSV, Kind.XLSX), max_bytes=20 * MB)
)

# Evidence, position statements and improvement-plan evidence: documents and pictures. Images
# are PNG (screenshots) and JPEG (photographs and scans); GIF is recognised but not accepted,
# since evidence has no use for it and it is the classic polyglot format.
EVIDENCE = policy_register(
    UploadPolicy(
        code="evidence",
        label="Evidence",
        kinds=(Kind.PDF, Kind.DOCX, Kind.XLSX, Kind.PPTX, Kind.CSV, Kind.PNG, Kind.JPEG),
        max_bytes=50 * MB,
    )
)
