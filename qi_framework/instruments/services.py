"""Writes to instruments: loading and importing data files, copying, publishing, editing drafts.

An instrument version is data. A data file (the format `instrument_export` writes) loads as a
version; an existing version is never overwritten. Only a draft may change; publishing freezes
it, and "a change makes a new version": an administrator copies a published version to a new
draft, edits that, and publishes it, which retires the version it replaces.
"""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services import audit_record
from qi_framework.instruments.validation import FORMAT, data_errors
from qi_framework.models import (
    FrameworkVersion,
    Instrument,
    InstrumentVersion,
    QualityIndicator,
    Question,
    Section,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "instruments"

FILE_HAS_PROBLEMS = "The instrument file could not be loaded. Nothing was changed. {count}"
FROZEN = (
    "Version {version} is {status}, so it cannot be changed. Copy it to a new draft version "
    "and change that."
)
ONLY_DRAFT_PUBLISHES = "Only a draft can be published; version {version} is {status}."
ONLY_PUBLISHED_RETIRES = "Only a published version can be retired; version {version} is {status}."
EDIT_HAS_PROBLEMS = "The change was not saved. {count}"
TEXT_REQUIRED = "Enter the text of the question."
TITLE_REQUIRED = "Enter the title of the section."


def _count(errors: list[str]) -> str:
    return "There is 1 problem." if len(errors) == 1 else f"There are {len(errors)} problems."


def _qi_codes_for(code: str, version: int) -> set[str] | None:
    framework = FrameworkVersion.objects.filter(code=code, version=version).first()
    if framework is None:
        return None
    return set(framework.quality_indicators.values_list("code", flat=True))


def _refuse_if_invalid(data: Any, message: str) -> None:
    errors = data_errors(data, qi_codes_for=_qi_codes_for)
    if errors:
        raise ApplicationError(message.format(count=_count(errors)), extra={"errors": errors})


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _create_version(
    *, data: dict[str, Any], instrument: Instrument, number: int, status: str, by
) -> InstrumentVersion:
    meta = data["version"]
    framework = FrameworkVersion.objects.get(
        code=meta["framework"]["code"], version=meta["framework"]["version"]
    )
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        version=number,
        status=InstrumentVersion.Status.DRAFT,
        framework=framework,
        note=meta.get("note", ""),
        created_by=by,
    )
    qis = {qi.code: qi for qi in QualityIndicator.objects.filter(framework=framework)}
    links = []
    position = 0
    for s_position, s in enumerate(data["sections"], start=1):
        section = Section.objects.create(
            version=version,
            code=s["code"],
            title=s["title"].strip(),
            help=s.get("help", ""),
            position=s_position,
        )
        for q in s["questions"]:
            position += 1
            question = Question.objects.create(
                version=version,
                section=section,
                code=q["code"],
                text=q["text"].strip(),
                help_text=q.get("help", ""),
                kind=q["kind"],
                required=bool(q.get("required", False)),
                options=list(q.get("options") or []),
                min_value=_decimal(q.get("min")),
                max_value=_decimal(q.get("max")),
                condition=q.get("condition") or None,
                derived=q.get("derived") or None,
                position=position,
            )
            links += [
                Question.qis.through(question=question, qualityindicator=qis[code])
                for code in dict.fromkeys(q.get("qis") or [])
            ]
    Question.qis.through.objects.bulk_create(links)
    if status == InstrumentVersion.Status.PUBLISHED:
        higher = InstrumentVersion.objects.filter(
            instrument=instrument, version__gt=number, status=InstrumentVersion.Status.PUBLISHED
        ).exists()
        if higher:
            status = InstrumentVersion.Status.RETIRED
        else:
            InstrumentVersion.objects.filter(
                instrument=instrument, status=InstrumentVersion.Status.PUBLISHED
            ).update(status=InstrumentVersion.Status.RETIRED)
            version.published_at = timezone.now()
    version.status = status
    version.save(update_fields=["status", "published_at", "updated_at"])
    return version


def _existing_version(data: Any) -> InstrumentVersion | None:
    try:
        code, number = data["instrument"]["code"], int(data["version"]["version"])
    except (KeyError, TypeError, ValueError):
        return None
    return InstrumentVersion.objects.filter(instrument__code=code, version=number).first()


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def instrument_load(
    *, data: Any = None, path: Path | None = None, by=None, as_new_version: bool = False
) -> tuple[InstrumentVersion, bool]:
    """Load an instrument data file; return (version, created).

    Without `as_new_version`, the file's version number is used and an existing version is
    returned untouched (so loading again changes nothing); the file's status (published unless
    it says "draft") is kept. With `as_new_version` (an administrator's import), the file
    becomes the next version number, as a draft. A file with any problem loads nothing.
    """
    if data is None:
        data = _read(path)
    if not as_new_version:
        existing = _existing_version(data)
        if existing is not None:
            return existing, False
    _refuse_if_invalid(data, FILE_HAS_PROBLEMS)
    meta = data["instrument"]
    instrument, _ = Instrument.objects.get_or_create(
        code=meta["code"],
        defaults={
            "name": meta["name"].strip(),
            "purpose": meta["purpose"],
            "scrutiny_kind": meta.get("scrutiny_kind") or "",
            "description": meta.get("description", ""),
        },
    )
    if as_new_version:
        highest = instrument.versions.aggregate(v=Max("version"))["v"] or 0
        number, status = highest + 1, InstrumentVersion.Status.DRAFT
    else:
        number = data["version"]["version"]
        status = data["version"].get("status") or InstrumentVersion.Status.PUBLISHED
        if status not in InstrumentVersion.Status.values:
            status = InstrumentVersion.Status.DRAFT
    version = _create_version(data=data, instrument=instrument, number=number, status=status, by=by)
    audit_record(
        action="instrument_version_loaded",
        actor=by,
        obj=version,
        new={"instrument": instrument.code, "version": number, "status": version.status},
        detail="Imported as a new version" if as_new_version else "",
    )
    return version, True


def instruments_load_all(
    *, folder: Path = DATA_DIR, by=None
) -> list[tuple[InstrumentVersion, bool]]:
    """Load every data file in the instruments folder (idempotent)."""
    return [instrument_load(path=path, by=by) for path in sorted(folder.glob("*.json"))]


def instrument_export(*, version: InstrumentVersion) -> dict[str, Any]:
    """Return a version as a data file; loading it gives the same version back."""
    instrument = version.instrument
    questions_by_section: dict[int, list[Question]] = {}
    for q in version.questions.order_by("position").prefetch_related("qis"):
        questions_by_section.setdefault(q.section_id, []).append(q)

    def question_data(q: Question) -> dict[str, Any]:
        item: dict[str, Any] = {"code": q.code, "text": q.text, "kind": q.kind}
        if q.help_text:
            item["help"] = q.help_text
        if q.required:
            item["required"] = True
        if q.options:
            item["options"] = q.options
        if q.min_value is not None:
            item["min"] = _json_number(q.min_value)
        if q.max_value is not None:
            item["max"] = _json_number(q.max_value)
        if q.condition:
            item["condition"] = q.condition
        if q.derived:
            item["derived"] = q.derived
        codes = sorted((qi.code for qi in q.qis.all()), key=_qi_sort_key)
        if codes:
            item["qis"] = codes
        return item

    return {
        "format": FORMAT,
        "instrument": {
            "code": instrument.code,
            "name": instrument.name,
            "purpose": instrument.purpose,
            "scrutiny_kind": instrument.scrutiny_kind or None,
            "description": instrument.description,
        },
        "version": {
            "version": version.version,
            "status": version.status,
            "framework": {"code": version.framework.code, "version": version.framework.version},
            "note": version.note,
        },
        "sections": [
            {
                "code": s.code,
                "title": s.title,
                "help": s.help,
                "questions": [question_data(q) for q in questions_by_section.get(s.pk, [])],
            }
            for s in version.sections.order_by("position")
        ],
    }


def _qi_sort_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in code.split("."))


@transaction.atomic
def instrument_version_copy(*, version: InstrumentVersion, by=None) -> InstrumentVersion:
    """Copy a version, with all its sections and questions, as the next draft version."""
    data = instrument_export(version=version)
    copy, _ = instrument_load(data=data, by=by, as_new_version=True)
    copy.copied_from = version
    copy.save(update_fields=["copied_from", "updated_at"])
    audit_record(
        action="instrument_version_copied",
        actor=by,
        obj=copy,
        old=version.version,
        new=copy.version,
    )
    return copy


def _lock(version: InstrumentVersion) -> InstrumentVersion:
    return InstrumentVersion.objects.select_for_update().get(pk=version.pk)


@transaction.atomic
def instrument_version_publish(*, version: InstrumentVersion, by=None) -> InstrumentVersion:
    """Publish a draft, freezing it; the version it replaces (if any) is retired."""
    version = _lock(version)
    if version.status != InstrumentVersion.Status.DRAFT:
        raise ApplicationError(
            ONLY_DRAFT_PUBLISHES.format(
                version=version.version, status=version.get_status_display().lower()
            )
        )
    _refuse_if_invalid(instrument_export(version=version), EDIT_HAS_PROBLEMS)
    previous = list(
        InstrumentVersion.objects.filter(
            instrument=version.instrument, status=InstrumentVersion.Status.PUBLISHED
        )
    )
    for old in previous:
        old.status = InstrumentVersion.Status.RETIRED
        old.save(update_fields=["status", "updated_at"])
        audit_record(action="instrument_version_retired", actor=by, obj=old, new=old.status)
    version.status = InstrumentVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        action="instrument_version_published",
        actor=by,
        obj=version,
        old=[v.version for v in previous] or None,
        new=version.version,
    )
    return version


@transaction.atomic
def instrument_version_retire(*, version: InstrumentVersion, by=None) -> InstrumentVersion:
    version = _lock(version)
    if version.status != InstrumentVersion.Status.PUBLISHED:
        raise ApplicationError(
            ONLY_PUBLISHED_RETIRES.format(
                version=version.version, status=version.get_status_display().lower()
            )
        )
    version.status = InstrumentVersion.Status.RETIRED
    version.save(update_fields=["status", "updated_at"])
    audit_record(action="instrument_version_retired", actor=by, obj=version, new=version.status)
    return version


def _refuse_unless_draft(version: InstrumentVersion) -> None:
    if version.status != InstrumentVersion.Status.DRAFT:
        raise ApplicationError(
            FROZEN.format(version=version.version, status=version.get_status_display().lower())
        )


@transaction.atomic
def question_update(
    *,
    question: Question,
    text: str,
    help_text: str = "",
    required: bool = False,
    options: list[dict[str, str]] | None = None,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    by=None,
) -> Question:
    """Change a draft's question. The whole version is checked again before the change stands
    (e.g. an option that a condition uses cannot be removed)."""
    version = _lock(question.version)
    _refuse_unless_draft(version)
    if not text.strip():
        raise ApplicationError(TEXT_REQUIRED)
    fields = ["text", "help_text", "required", "min_value", "max_value"]
    old = {
        "text": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "options": question.options,
        "min": _json_number(question.min_value),
        "max": _json_number(question.max_value),
    }
    question.text, question.help_text, question.required = (
        text.strip(),
        help_text.strip(),
        required,
    )
    question.min_value, question.max_value = min_value, max_value
    if options is not None and question.kind in Question.CHOICE_KINDS:
        question.options = [
            {"value": o["value"].strip(), "label": o["label"].strip()} for o in options
        ]
        fields.append("options")
    question.save(update_fields=fields)
    _refuse_if_invalid(instrument_export(version=version), EDIT_HAS_PROBLEMS)
    new = {
        "text": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "options": question.options,
        "min": _json_number(question.min_value),
        "max": _json_number(question.max_value),
    }
    if new != old:
        audit_record(
            action="instrument_question_changed",
            actor=by,
            obj=question,
            old=old,
            new=new,
            detail=f"{version}",
        )
    return question


@transaction.atomic
def section_update(*, section: Section, title: str, help: str = "", by=None) -> Section:
    _refuse_unless_draft(_lock(section.version))
    if not title.strip():
        raise ApplicationError(TITLE_REQUIRED)
    old = {"title": section.title, "help": section.help}
    section.title, section.help = title.strip(), help.strip()
    section.save(update_fields=["title", "help"])
    new = {"title": section.title, "help": section.help}
    if new != old:
        audit_record(
            action="instrument_section_changed",
            actor=by,
            obj=section,
            old=old,
            new=new,
            detail=f"{section.version}",
        )
    return section
