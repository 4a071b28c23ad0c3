"""Download of stored files: permission-checked, as an attachment that browsers will not run."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views import View

from core.exceptions import ApplicationError
from core.uploads.selectors import stored_file_get
from core.uploads.services import stored_file_open


class StoredFileDownloadView(View):
    """Send a clean stored file to someone allowed to see its owner; 404 to anyone else, so
    nobody learns that a file exists."""

    def get(self, request, pk):
        stored_file = stored_file_get(pk=pk)
        if stored_file is None or not request.user.has_perm("core.download_file", stored_file):
            raise Http404
        try:
            handle = stored_file_open(stored_file=stored_file, by=request.user, request=request)
        except ApplicationError as error:
            return render(
                request,
                "core/storedfile_unavailable.html",
                {"stored_file": stored_file, "message": error.message},
                status=409,
            )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=stored_file.safe_name,
            content_type=stored_file.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        response["Cache-Control"] = "private, no-store"
        return response
