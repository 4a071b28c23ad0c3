"""Pages for documents: ask for one, watch its state, download it, try a failed one again."""

import logging

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, View

from core.exceptions import ApplicationError
from core.services import audit_record
from core.views import ProjectPermissionMixin
from reports import selectors, services
from reports.kinds import kind_get
from reports.models import Document

logger = logging.getLogger(__name__)

NOT_READY = "This document is not ready to download yet."
FILE_MISSING = "The file of this document cannot be found. Ask for the document again."

STATE_TAG_COLOURS = {
    Document.State.QUEUED: "grey",
    Document.State.RENDERING: "blue",
    Document.State.READY: "green",
    Document.State.FAILED: "red",
}


class DocumentRequestView(ProjectPermissionMixin, View):
    """POST: ask for a document about a subject, then show its state."""

    http_method_names = ["post"]
    permission_required = "reports.request_document"

    def get_permission_object(self):
        try:
            self.kind = kind_get(self.kwargs["kind"])
        except ApplicationError:
            raise Http404("No such kind of document.") from None
        model = self.kind.subject_class()
        subject_id = self.kwargs.get("subject_id")
        if (model is None) != (subject_id is None):
            raise Http404("No such document subject.")
        self.subject = get_object_or_404(model, pk=subject_id) if model else None
        return (self.kind.code, self.subject)

    def post(self, request, *args, **kwargs):
        try:
            document = services.document_request(
                kind=self.kind.code, subject=self.subject, by=request.user, request=request
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            if self.kind.subject_url and self.subject is not None:
                return redirect(self.kind.subject_url(self.subject))
            return redirect("core:home")
        return redirect("reports:document_detail", pk=document.pk)


class DocumentMixin(ProjectPermissionMixin):
    permission_required = "reports.view_document"

    def get_object(self, queryset=None) -> Document:
        if not hasattr(self, "_document"):
            document = selectors.document_get(pk=self.kwargs["pk"])
            if document is None:
                raise Http404("No such document.")
            self._document = document
        return self._document

    def get_permission_object(self):
        return self.get_object()


def status_context(document: Document) -> dict:
    try:
        kind = kind_get(document.kind)
    except ApplicationError:
        kind = None
    subject = document.subject
    return {
        "document": document,
        "kind": kind,
        "subject": subject,
        "subject_url": kind.subject_url(subject) if kind and kind.subject_url and subject else "",
        "tag_colour": STATE_TAG_COLOURS[document.state],
    }


@method_decorator(never_cache, name="dispatch")
class DocumentDetailView(DocumentMixin, DetailView):
    template_name = "reports/document_detail.html"
    context_object_name = "document"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **status_context(self.object)}


@method_decorator(never_cache, name="dispatch")
class DocumentStatusView(DocumentMixin, View):
    """The state part of the document page, polled by htmx while the document is being made.

    `shown` is the state the page shows now: while it is still the state, the answer is
    204 No Content, so htmx changes nothing and screen readers hear nothing new.
    """

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        document = self.get_object()
        if request.GET.get("shown") == document.state:
            return HttpResponse(status=204)
        return TemplateResponse(
            request, "reports/includes/document_status.html", status_context(document)
        )


@method_decorator(never_cache, name="dispatch")
class DocumentDownloadView(DocumentMixin, View):
    """Send a ready document's file as an attachment (never from a public URL), and log it."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        document = self.get_object()
        if document.state != Document.State.READY or not document.file:
            raise Http404(NOT_READY)
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            logger.error("Document %s: file %s is missing", document.pk, document.file.name)
            raise Http404(FILE_MISSING) from None
        audit_record(
            action="document_downloaded",
            actor=request.user,
            obj=document,
            request=request,
            detail=f"SHA-256 {document.sha256}",
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=kind_get(document.kind).filename(document),
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class DocumentRetryView(DocumentMixin, View):
    """POST: make a failed document again."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        document = self.get_object()
        try:
            services.document_retry(document=document, by=request.user, request=request)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("reports:document_detail", pk=document.pk)


# --- Figure registers (internal to the inspectorate) -----------------------------------------


class FigureRegisterMixin(ProjectPermissionMixin):
    """A figure register: 404 if there is none, 403 outside the inspectorate."""

    permission_required = "reports.view_figure_register"

    def get_register(self):
        from reports.figure_register import figure_register_get

        if not hasattr(self, "_register"):
            self._register = figure_register_get(pk=self.kwargs["pk"])
            if self._register is None:
                raise Http404("No such figure register.")
        return self._register

    def has_permission(self):
        # Check the permission before looking anything up, so nobody outside the
        # inspectorate can learn which registers exist.
        return self.request.user.has_perm(self.permission_required)


@method_decorator(never_cache, name="dispatch")
class FigureRegisterDetailView(FigureRegisterMixin, View):
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        from reports.figure_register import figure_register_rows

        register = self.get_register()
        return TemplateResponse(
            request,
            "reports/figure_register_detail.html",
            {"register": register, "rows": figure_register_rows(register)},
        )


@method_decorator(never_cache, name="dispatch")
class FigureRegisterCSVView(FigureRegisterMixin, View):
    """The register as CSV; cells a spreadsheet would run as formulas are neutralised."""

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        from reports.figure_register import figure_register_csv

        register = self.get_register()
        audit_record(action="figure_register_downloaded", actor=request.user, obj=register)
        response = HttpResponse(figure_register_csv(register), content_type="text/csv")
        filename = f"figure-register-{register.pk}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
