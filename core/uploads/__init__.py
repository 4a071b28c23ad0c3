"""One pipeline for every uploaded file: checks by content, safe names, private storage,
permission-checked download and a pluggable virus scan. See core.uploads.services."""

from core.uploads.errors import UploadRejected
from core.uploads.forms import UploadField, UploadFormMixin
from core.uploads.handlers import LimitedUploadHandler, upload_limit, upload_refusal
from core.uploads.policies import (
    EVIDENCE,
    IMPORT,
    Kind,
    UploadPolicy,
    policies_all,
    policy_get,
    policy_register,
)
from core.uploads.scanning import (
    ClamdScanner,
    ContentChecksScanner,
    Scanner,
    ScannerUnavailable,
    ScanResult,
    scanner_get,
)
from core.uploads.selectors import stored_file_get, stored_files_of, stored_files_pending
from core.uploads.services import (
    UploadCheck,
    stored_file_open,
    stored_file_scan,
    upload_accept,
    upload_check,
)

__all__ = [
    "EVIDENCE",
    "IMPORT",
    "ClamdScanner",
    "ContentChecksScanner",
    "Kind",
    "LimitedUploadHandler",
    "ScanResult",
    "Scanner",
    "ScannerUnavailable",
    "UploadCheck",
    "UploadField",
    "UploadFormMixin",
    "UploadPolicy",
    "UploadRejected",
    "policies_all",
    "policy_get",
    "policy_register",
    "scanner_get",
    "stored_file_get",
    "stored_file_open",
    "stored_file_scan",
    "stored_files_of",
    "stored_files_pending",
    "upload_accept",
    "upload_check",
    "upload_limit",
    "upload_refusal",
]
