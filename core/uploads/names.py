"""File names: refuse the tricks, then make what is left safe to show and to save.

The name a person's browser sends is only ever a label: files are stored under a random path,
and the name is used for the download's Content-Disposition. `name_check` refuses names that
can only come from an attempt to deceive (folder traversal, hidden direction or control
characters, Windows device names); `name_sanitise` makes any name safe on its own, so it is
also safe to call on names that were never checked.
"""

import re
import unicodedata

from core.uploads.errors import (
    NAME_CONTROL_CHARACTERS,
    NAME_HIDDEN_CHARACTERS,
    NAME_PATH,
    NAME_RESERVED,
    UploadRejected,
)

MAX_NAME_LENGTH = 120
DEFAULT_STEM = "file"

# Embeddings, overrides and isolates reorder what is shown ("invoice\u202efdp.exe" is shown as
# "invoiceexe.pdf"); nothing in a genuine file name needs them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Marks only nudge neutral characters; they turn up in genuine right-to-left names, so they are
# removed rather than refused.
BIDI_MARKS = frozenset("\u200e\u200f\u061c")

_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
_DEVICE_NAMES |= {f"{port}{n}" for port in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]}
RESERVED_NAMES = frozenset(_DEVICE_NAMES)

# Characters Windows does not allow in a file name; replaced so a downloaded file saves as named.
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WHITESPACE = re.compile(r"\s+")


def _base_name(name: str) -> str:
    return re.split(r"[/\\]", name)[-1]


def _is_reserved(base: str) -> bool:
    # Windows treats "CON.txt", "con .csv" and "CON.tar.gz" alike.
    return base.split(".")[0].strip().upper() in RESERVED_NAMES


def name_check(name: str) -> None:
    """Refuse a name that tries to escape its folder, hide its type or name a device."""
    if any(ch in BIDI_CONTROLS for ch in name):
        raise UploadRejected(NAME_HIDDEN_CHARACTERS, code="name_hidden_characters")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise UploadRejected(NAME_CONTROL_CHARACTERS, code="name_control_characters")
    if any(part.strip() == ".." for part in re.split(r"[/\\]", name)):
        raise UploadRejected(NAME_PATH, code="name_path")
    if _is_reserved(_base_name(name)):
        raise UploadRejected(NAME_RESERVED, code="name_reserved")


def _clean(text: str) -> str:
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text))
    # Drop control, format (bidi controls and marks, zero-width), surrogate and separator
    # characters; replace those Windows forbids.
    text = "".join(
        ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"}
    )
    text = _WINDOWS_FORBIDDEN.sub("_", text)
    return _WHITESPACE.sub(" ", text).strip()


def name_sanitise(name: str, *, extension: str) -> str:
    """Return a safe display name: no folders, no hidden or control characters, not a device
    name, at most MAX_NAME_LENGTH characters, ending in `extension` (the detected type's)."""
    # No leading dots (hidden files) and no trailing dots or spaces (Windows drops them).
    base = _clean(_base_name(name)).lstrip(". ")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.rstrip(". ")
    if not stem:
        stem = DEFAULT_STEM
    if _is_reserved(stem):
        stem = f"_{stem}"
    suffix = f".{extension}"
    stem = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(". ")
    return f"{stem}{suffix}"
