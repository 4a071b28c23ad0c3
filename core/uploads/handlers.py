"""Enforce size limits while the request body streams in, before a byte too many is kept.

`LimitedUploadHandler` is first in settings.FILE_UPLOAD_HANDLERS, so every multipart request is
held to settings.FILE_UPLOAD_MAX_BYTES per file and FILE_UPLOAD_MAX_REQUEST_BYTES in all. A view
that accepts uploads for one policy tightens that to the policy's limit with `upload_limit`:

    @upload_limit("import")
    def population_upload(request): ...

    @method_decorator(upload_limit("evidence"), name="dispatch")
    class EvidenceUploadView(FormView): ...

When a limit is passed the handler stops reading the body at once (StopUpload with
connection_reset, so a 5 GB body is not read) and records why; `upload_refusal(request)` returns
that message, and UploadFormMixin shows it on the file field. Fields sent after the file are
lost with the rest of the body; the CSRF token comes first in every form, so the check passes.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    load_handler,
)
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from core.uploads.errors import TOO_LARGE, TOO_LARGE_IN_TOTAL
from core.uploads.policies import policy_get, size_label

REFUSAL_ATTRIBUTE = "upload_refused"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_REQUEST_BYTES = 200 * 1024 * 1024


class LimitedUploadHandler(FileUploadHandler):
    """Pass chunks on to the next handler, counting them; stop the upload past a limit."""

    def __init__(self, request=None, max_bytes: int | None = None, max_total_bytes=None):
        super().__init__(request)
        self.max_bytes = max_bytes or getattr(settings, "FILE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
        self.max_total_bytes = max_total_bytes or getattr(
            settings, "FILE_UPLOAD_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES
        )
        self.total_bytes = 0

    def _stop(self, message: str):
        if self.request is not None:
            setattr(self.request, REFUSAL_ATTRIBUTE, message)
        raise StopUpload(connection_reset=True)

    def new_file(self, field_name, file_name, content_type, content_length, *args, **kwargs):
        super().new_file(field_name, file_name, content_type, content_length, *args, **kwargs)
        # A part that declares its length can be refused before any of it is read.
        if content_length is not None and content_length > self.max_bytes:
            self._stop(TOO_LARGE.format(limit=size_label(self.max_bytes)))

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total_bytes += len(raw_data)
        if start + len(raw_data) > self.max_bytes:
            self._stop(TOO_LARGE.format(limit=size_label(self.max_bytes)))
        if self.total_bytes > self.max_total_bytes:
            self._stop(TOO_LARGE_IN_TOTAL.format(limit=size_label(self.max_total_bytes)))
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the next handler (memory or temporary file) makes the file


def upload_refusal(request) -> str | None:
    """Return why the upload in `request` was stopped while streaming, if it was."""
    request.FILES  # noqa: B018 (parse the body, so the handler has had its say)
    return getattr(request, REFUSAL_ATTRIBUTE, None)


def upload_limit(policy_code: str) -> Callable:
    """Hold a view's uploads to one policy's size limit, counted as the bytes arrive.

    The handlers must be set before anything reads request.POST; the CSRF middleware reads it,
    so the view is exempted from the middleware and protected again inside (as Django's upload
    handler documentation describes)."""
    policy = policy_get(policy_code)

    def decorator(view):
        protected = csrf_protect(view)

        @wraps(view)
        @csrf_exempt
        def wrapper(request, *args, **kwargs):
            request.upload_handlers = [
                LimitedUploadHandler(request, max_bytes=policy.max_bytes),
                *(
                    load_handler(path, request)
                    for path in settings.FILE_UPLOAD_HANDLERS
                    if not path.endswith(".LimitedUploadHandler")
                ),
            ]
            return protected(request, *args, **kwargs)

        return wrapper

    return decorator
