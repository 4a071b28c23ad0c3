"""Why an upload was refused: one error type and the messages people read.

Every message says what is wrong with the selected file and what to do about it (GOV.UK's file
upload error pattern), so tests and views use these constants rather than their own wording.
Messages with a `{placeholder}` are filled in from the upload policy.
"""

from core.exceptions import ApplicationError

NO_FILE = "Select a file"
EMPTY = "The selected file is empty. Check it and upload it again."
TOO_LARGE = "The selected file must be {limit} or smaller"
TOO_LARGE_IN_TOTAL = "The selected files must be {limit} or smaller in total"
NOT_ALLOWED = "The selected file must be {allowed}"
UNRECOGNISED = "The type of the selected file could not be recognised. It must be {allowed}"

NAME_PATH = (
    "The name of the selected file contains a folder path (such as ‘../’). "
    "Rename the file and upload it again."
)
NAME_HIDDEN_CHARACTERS = (
    "The name of the selected file contains hidden characters that can disguise its type. "
    "Rename the file and upload it again."
)
NAME_CONTROL_CHARACTERS = (
    "The name of the selected file contains characters that are not allowed in file names. "
    "Rename the file and upload it again."
)
NAME_RESERVED = (
    "The name of the selected file is reserved by Windows (such as CON, PRN, AUX, NUL, COM1 or "
    "LPT1). Rename the file and upload it again."
)

EXECUTABLE = (
    "The selected file is a program or script, not a document. Programs and scripts cannot be "
    "uploaded."
)
WEB_PAGE = (
    "The selected file is a web page or other markup (HTML or XML), which can contain code. "
    "Save it as a PDF and upload that instead."
)
SVG = (
    "The selected file is an SVG image, which can contain code. Save it as a PNG or JPEG and "
    "upload that instead."
)
ARCHIVE = (
    "The selected file is a compressed archive (such as ZIP, 7z or RAR). Upload the documents "
    "inside it one at a time."
)
OPEN_DOCUMENT = (
    "The selected file is an OpenDocument file (.odt, .ods or .odp). Save it as a Word, Excel "
    "or PowerPoint file (.docx, .xlsx or .pptx) and upload it again."
)
LEGACY_OFFICE = (
    "The selected file is in an old Office format (.doc, .xls or .ppt), which cannot be checked "
    "for macros. Open it and save it as .docx, .xlsx or .pptx, then upload it again."
)
MACROS = (
    "The selected file contains macros or other code. Save it as a Word, Excel or PowerPoint "
    "file without macros (.docx, .xlsx or .pptx) and upload it again."
)
ENCRYPTED = (
    "The selected file is protected with a password. Remove the password, save the file and "
    "upload it again."
)
ZIP_BOMB = (
    "The selected file expands to far more data than a normal document when it is opened, so it "
    "cannot be accepted. If it is genuine, split it into smaller files and upload them one at a "
    "time."
)
TOO_MANY_PARTS = (
    "The selected file is made of too many parts to be a normal document. If it is genuine, "
    "split it into smaller files and upload them one at a time."
)
DAMAGED = (
    "The selected file could not be read and may be damaged. Check that it opens, save it "
    "again and upload it again."
)
CSV_ENCODING = (
    "The selected CSV file must be saved as UTF-8 or Windows text. In Excel, choose ‘Save as’ "
    "and ‘CSV UTF-8’, then upload it again."
)
INFECTED = (
    "The selected file contains a virus or other harmful content and cannot be accepted. "
    "Do not open it again; tell your IT service desk."
)

# Downloading a stored file that is not (yet) cleared for use.
NOT_SCANNED = "This file is still being checked for viruses. Try again in a few minutes."
REJECTED = "This file did not pass the virus check and cannot be downloaded."


class UploadRejected(ApplicationError):
    """An uploaded file was refused. `code` names the reason for logs and tests."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message, extra={"code": code})
        self.code = code
