"""Figure registers: every figure a document prints, with what it means and what is behind it.

`ComputedFigure` is what a selector computing a document's figures returns; the services here
store a list of them as a FigureRegister (reports.models) and freeze it with a published
document.

The register is internal to the inspectorate (`reports.view_figure_register`). Each figure keeps
the pseudonymised references of the records behind it, copied when the register is made, so a
frozen register explains its figures even after record-level data is deleted under a retention
policy; while the records exist, the register links to their live list.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from core.exceptions import ApplicationError


@dataclass(frozen=True)
class ComputedFigure:
    code: str  # the figure's ID within its document, stable across renders, e.g. "1.1-Q12-good"
    section: str  # where it appears, e.g. "1.1 Improvements in people's lives"
    definition: str  # what is counted, e.g. "Court reports rated good or better, of those read"
    numerator: int
    denominator: int
    words: str  # the figure as printed, in the inspectorate's words
    records: tuple[tuple[int, str], ...] = ()  # (record id, pseudonymised reference) behind it
    records_url: str = ""  # the page listing those records while they exist


__all__ = [
    "CSV_HEADERS",
    "FIGURE_CODE_INVALID",
    "FIGURE_CODE_REPEATED",
    "FIGURE_FRACTION_INVALID",
    "FIGURE_REGISTER_FROZEN",
    "FIGURE_REGISTER_LABEL_REQUIRED",
    "ComputedFigure",
    "RegisterRow",
    "csv_safe",
    "figure_register_create",
    "figure_register_csv",
    "figure_register_delete",
    "figure_register_freeze",
    "figure_register_get",
    "figure_register_replace",
    "figure_register_rows",
    "figure_registers_of",
]

CODE_MAX = 40
FIGURE_REGISTER_FROZEN = (
    "This figure register was frozen with its published document on {date}, so it cannot "
    "change. Publish a new version of the document to register new figures."
)
FIGURE_REGISTER_LABEL_REQUIRED = (
    "Give the figure register a label, e.g. “Inspection report, version 2”."
)
FIGURE_CODE_REPEATED = (
    "The figure ID “{code}” is used more than once; each figure needs its own ID."
)
FIGURE_CODE_INVALID = f"The figure ID “{{code}}” must be 1 to {CODE_MAX} characters."
FIGURE_FRACTION_INVALID = (
    "The figure “{code}” counts {numerator} of {denominator}: the count must be a whole number "
    "from 0 to the total."
)
# Where the records behind figures live (their ids are SampleRecord ids: the fieldwork
# machinery that inspections and thematic reviews share).
RECORD_MODEL = ("inspections", "SampleRecord")
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADERS = [
    "ID",
    "Section",
    "Definition",
    "Numerator",
    "Denominator",
    "Words",
    "Number of records",
    "Record references",
]


def _models():
    # Imported when used, so `ComputedFigure` can be imported before the apps are ready.
    from reports.models import FigureRegister, RegisteredFigure

    return FigureRegister, RegisteredFigure


def _content_type(subject):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(subject)


def _audit(**kwargs) -> None:
    from core.services import audit_record

    audit_record(**kwargs)


# --- Services ----------------------------------------------------------------------------------


def _refuse_if_frozen(register) -> None:
    if register.frozen_at is not None:
        date = timezone.localtime(register.frozen_at).strftime("%-d %B %Y")
        raise ApplicationError(FIGURE_REGISTER_FROZEN.format(date=date))


def _rows(register, figures: Sequence[ComputedFigure]) -> list:
    _, RegisteredFigure = _models()
    seen: set[str] = set()
    rows = []
    for position, figure in enumerate(figures):
        code = (figure.code or "").strip()
        if not code or len(code) > CODE_MAX:
            raise ApplicationError(FIGURE_CODE_INVALID.format(code=code))
        if code in seen:
            raise ApplicationError(FIGURE_CODE_REPEATED.format(code=code))
        seen.add(code)
        numerator, denominator = int(figure.numerator), int(figure.denominator)
        if not 0 <= numerator <= denominator:
            raise ApplicationError(
                FIGURE_FRACTION_INVALID.format(
                    code=code, numerator=numerator, denominator=denominator
                )
            )
        rows.append(
            RegisteredFigure(
                register=register,
                code=code,
                section=(figure.section or "")[:200],
                definition=figure.definition or "",
                numerator=numerator,
                denominator=denominator,
                words=figure.words or "",
                records=[
                    {"id": int(record_id), "reference": str(reference)}
                    for record_id, reference in figure.records
                ],
                records_url=(figure.records_url or "")[:500],
                position=position,
            )
        )
    return rows


@transaction.atomic
def figure_register_create(
    *, subject, label: str, figures: list[ComputedFigure], document=None, by=None
):
    """Store the figures of a document about `subject`, each with its records' references."""
    FigureRegister, RegisteredFigure = _models()
    label = (label or "").strip()
    if not label:
        raise ApplicationError(FIGURE_REGISTER_LABEL_REQUIRED)
    register = FigureRegister.objects.create(
        subject_type=_content_type(subject),
        subject_id=subject.pk,
        label=label[:300],
        document=document,
    )
    RegisteredFigure.objects.bulk_create(_rows(register, figures))
    _audit(
        action="figure_register_created",
        actor=by,
        obj=register,
        new={
            "label": register.label,
            "figures": len(figures),
            "document": document.pk if document is not None else None,
        },
    )
    return register


def _locked(register):
    FigureRegister, _ = _models()
    return FigureRegister.objects.select_for_update().get(pk=register.pk)


@transaction.atomic
def figure_register_replace(*, register, figures: list[ComputedFigure], by):
    """Replace a draft register's figures (a draft report is registered again with each
    draft); a frozen register refuses."""
    _, RegisteredFigure = _models()
    locked = _locked(register)
    _refuse_if_frozen(locked)
    before = locked.figures.count()
    locked.figures.all().delete()
    RegisteredFigure.objects.bulk_create(_rows(locked, figures))
    _audit(
        action="figure_register_replaced",
        actor=by,
        obj=locked,
        old={"figures": before},
        new={"figures": len(figures)},
    )
    return locked


@transaction.atomic
def figure_register_delete(*, register, by) -> None:
    """Delete a draft register; a frozen register refuses."""
    locked = _locked(register)
    _refuse_if_frozen(locked)
    _audit(
        action="figure_register_deleted",
        actor=by,
        obj=locked,
        old={"label": locked.label, "figures": locked.figures.count()},
    )
    locked.delete()


@transaction.atomic
def figure_register_freeze(*, register, by):
    """Freeze the register with its published document: it never changes again."""
    locked = _locked(register)
    _refuse_if_frozen(locked)
    locked.frozen_at = timezone.now()
    locked.frozen_by = by
    locked.save(update_fields=["frozen_at", "frozen_by"])
    _audit(
        action="figure_register_frozen",
        actor=by,
        obj=locked,
        new={"frozen_at": locked.frozen_at.isoformat(), "figures": locked.figures.count()},
    )
    return locked


# --- Selectors ---------------------------------------------------------------------------------


def figure_registers_of(*, subject) -> QuerySet:
    """Return the registers of a subject, newest first, with how many figures each has."""
    FigureRegister, _ = _models()
    return (
        FigureRegister.objects.filter(subject_type=_content_type(subject), subject_id=subject.pk)
        .select_related("document", "frozen_by")
        .annotate(figure_count=Count("figures"))
        .order_by("-created_at", "-id")
    )


def figure_register_get(*, pk: int):
    FigureRegister, _ = _models()
    return (
        FigureRegister.objects.select_related("document", "frozen_by", "subject_type")
        .filter(pk=pk)
        .first()
    )


@dataclass(frozen=True)
class RegisterRow:
    figure: object  # RegisteredFigure
    references: list[str]
    live_url: str  # the live record list while the records behind it exist, else ""

    @property
    def record_count(self) -> int:
        return len(self.references)


def _existing_record_ids(ids: Iterable[int]) -> set[int]:
    ids = set(ids)
    if not ids:
        return set()
    model = apps.get_model(*RECORD_MODEL)
    return set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))


def figure_register_rows(register) -> list[RegisterRow]:
    """Return the register's figures in order, each with its stored references and, while
    every record behind it still exists, the link to the live list (two queries)."""
    figures = list(register.figures.order_by("position", "pk"))
    existing = _existing_record_ids(
        record["id"] for figure in figures for record in figure.records or []
    )
    # A figure with no records behind it (0 of 12) links to its live list while any record of
    # the register still exists: after deletion under retention, the list would be recomputed
    # from nothing.
    any_left = bool(existing)
    rows = []
    for figure in figures:
        ids = {record["id"] for record in figure.records or []}
        live = bool(figure.records_url) and (ids <= existing if ids else any_left)
        rows.append(
            RegisterRow(
                figure=figure,
                references=[record["reference"] for record in figure.records or []],
                live_url=figure.records_url if live else "",
            )
        )
    return rows


def csv_safe(value) -> str:
    """Return a cell a spreadsheet shows as text, never runs: "=SUM(A1)" → "'=SUM(A1)"."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def figure_register_csv(register) -> bytes:
    """Return the register as CSV (UTF-8 with a byte-order mark, for spreadsheets)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS)
    for row in figure_register_rows(register):
        figure = row.figure
        writer.writerow(
            csv_safe(cell)
            for cell in (
                figure.code,
                figure.section,
                figure.definition,
                figure.numerator,
                figure.denominator,
                figure.words,
                row.record_count,
                "; ".join(row.references),
            )
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
