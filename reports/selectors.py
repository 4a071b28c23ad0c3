"""Reads of documents."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from reports.models import Document


def document_get(*, pk: int) -> Document | None:
    return Document.objects.select_related("requested_by", "subject_type").filter(pk=pk).first()


def documents_for_subject(*, kind: str, subject) -> QuerySet[Document]:
    """Return a subject's documents of one kind, newest revision first."""
    return Document.objects.filter(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
    ).order_by("-version")
