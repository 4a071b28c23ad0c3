"""Writes to the QI framework: loading a data file, copying a version, administrators' edits."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max

from core.exceptions import ApplicationError
from core.services import audit_record
from qi_framework.models import (
    FrameworkVersion,
    Illustration,
    IllustrationSet,
    Indicator,
    KeyQuestion,
    QualityIndicator,
    ScaleLevel,
    Scope,
    ScopeEntry,
)

DEFAULT_DATA_FILE = Path(__file__).resolve().parent / "data" / "framework_v1.json"
LEVEL_RANGE_ERROR = "Illustration levels run from 1 to 6."


def _read(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def framework_load(
    *, data: dict[str, Any] | None = None, path: Path | None = None, by=None
) -> tuple[FrameworkVersion, bool]:
    """Load a framework data file as a new version. Return (version, created).

    An existing version (same code and version number) is never overwritten, so administrators'
    edits stand when the loader runs again. A newly loaded version becomes current when it is the
    highest version of its framework.
    """
    if data is None:
        data = _read(path or DEFAULT_DATA_FILE)
    meta = data["framework"]
    existing = FrameworkVersion.objects.filter(code=meta["code"], version=meta["version"]).first()
    if existing is not None:
        return existing, False

    highest = FrameworkVersion.objects.filter(code=meta["code"]).aggregate(v=Max("version"))["v"]
    framework = FrameworkVersion.objects.create(
        code=meta["code"],
        name=meta["name"],
        version=meta["version"],
        published=dt.date.fromisoformat(meta["published"]) if meta.get("published") else None,
        source=meta.get("source", ""),
        created_by=by,
    )
    ScaleLevel.objects.bulk_create(
        ScaleLevel(
            framework=framework,
            value=level["value"],
            label=level["label"],
            short_definition=level["short"],
            long_definition=level.get("long", ""),
            long_definition_verified=level.get("long_verified", False),
        )
        for level in data["scale"]
    )
    qis: dict[str, QualityIndicator] = {}
    position = 0
    for kq in data["key_questions"]:
        key_question = KeyQuestion.objects.create(
            framework=framework, number=kq["number"], text=kq["text"]
        )
        for ind in kq["indicators"]:
            indicator = Indicator.objects.create(
                key_question=key_question, number=ind["number"], name=ind["name"]
            )
            for qi in ind["qis"]:
                position += 1
                qis[qi["code"]] = QualityIndicator.objects.create(
                    framework=framework,
                    indicator=indicator,
                    code=qi["code"],
                    name=qi["name"],
                    kind=qi.get("kind", QualityIndicator.Kind.QI),
                    description=qi.get("description", ""),
                    themes=list(qi.get("themes", [])),
                    position=position,
                )
    for set_data in data.get("illustration_sets", []):
        illustration_set = IllustrationSet.objects.create(
            framework=framework,
            code=set_data["code"],
            name=set_data["name"],
            scrutiny_kind=set_data.get("scrutiny_kind") or "",
            status=set_data.get("status", IllustrationSet.Status.DRAFT),
            note=set_data.get("note", ""),
        )
        Illustration.objects.bulk_create(
            Illustration(
                illustration_set=illustration_set,
                quality_indicator=qis[code],
                level=int(level),
                text=text,
            )
            for code, levels in set_data["illustrations"].items()
            for level, text in levels.items()
            if text
        )
    for scope_data in data.get("scopes", []):
        scope = Scope.objects.create(
            framework=framework,
            scrutiny_kind=scope_data["scrutiny_kind"],
            name=scope_data["name"],
        )
        evaluated = set(scope_data.get("evaluated", []))
        ScopeEntry.objects.bulk_create(
            ScopeEntry(scope=scope, quality_indicator=qis[code], evaluated=code in evaluated)
            for code in scope_data["reported"]
        )
    if highest is None or framework.version > highest:
        framework_make_current(framework=framework, by=by)
    audit_record(
        action="framework_loaded", actor=by, obj=framework, new={"version": meta["version"]}
    )
    return framework, True


@transaction.atomic
def framework_make_current(*, framework: FrameworkVersion, by=None) -> FrameworkVersion:
    previous = FrameworkVersion.objects.filter(code=framework.code, is_current=True).first()
    if previous == framework:
        return framework
    FrameworkVersion.objects.filter(code=framework.code, is_current=True).update(is_current=False)
    framework.is_current = True
    framework.save(update_fields=["is_current", "updated_at"])
    audit_record(
        action="framework_made_current",
        actor=by,
        obj=framework,
        old=previous.version if previous else None,
        new=framework.version,
    )
    return framework


def framework_export(*, framework: FrameworkVersion) -> dict[str, Any]:
    """Return a version as a data file (the loader's format)."""
    illustrations_by_set: dict[int, dict[str, dict[str, str]]] = {}
    for ill in Illustration.objects.filter(illustration_set__framework=framework).select_related(
        "quality_indicator"
    ):
        illustrations_by_set.setdefault(ill.illustration_set_id, {}).setdefault(
            ill.quality_indicator.code, {}
        )[str(ill.level)] = ill.text
    qis_by_indicator: dict[int, list[QualityIndicator]] = {}
    for qi in framework.quality_indicators.all():
        qis_by_indicator.setdefault(qi.indicator_id, []).append(qi)
    return {
        "framework": {
            "code": framework.code,
            "name": framework.name,
            "version": framework.version,
            "published": framework.published.isoformat() if framework.published else None,
            "source": framework.source,
        },
        "scale": [
            {
                "value": s.value,
                "label": s.label,
                "short": s.short_definition,
                "long": s.long_definition,
                "long_verified": s.long_definition_verified,
            }
            for s in framework.scale.all()
        ],
        "key_questions": [
            {
                "number": kq.number,
                "text": kq.text,
                "indicators": [
                    {
                        "number": ind.number,
                        "name": ind.name,
                        "qis": [
                            {
                                "code": qi.code,
                                "name": qi.name,
                                "kind": qi.kind,
                                "description": qi.description,
                                "themes": qi.themes,
                            }
                            for qi in qis_by_indicator.get(ind.pk, [])
                        ],
                    }
                    for ind in kq.indicators.all()
                ],
            }
            for kq in framework.key_questions.all()
        ],
        "illustration_sets": [
            {
                "code": s.code,
                "name": s.name,
                "scrutiny_kind": s.scrutiny_kind or None,
                "status": s.status,
                "note": s.note,
                "illustrations": illustrations_by_set.get(s.pk, {}),
            }
            for s in framework.illustration_sets.all()
        ],
        "scopes": [
            {
                "scrutiny_kind": scope.scrutiny_kind,
                "name": scope.name,
                "reported": [e.quality_indicator.code for e in scope.entries.all()],
                "evaluated": [e.quality_indicator.code for e in scope.entries.all() if e.evaluated],
            }
            for scope in framework.scopes.prefetch_related("entries__quality_indicator")
        ],
    }


@transaction.atomic
def framework_copy(*, framework: FrameworkVersion, by=None) -> FrameworkVersion:
    """Copy a version, with everything in it, as the next version (not yet current)."""
    data = framework_export(framework=framework)
    highest = FrameworkVersion.objects.filter(code=framework.code).aggregate(v=Max("version"))["v"]
    data["framework"]["version"] = highest + 1
    FrameworkVersion.objects.filter(code=framework.code, is_current=True).update(is_current=False)
    copy, _ = framework_load(data=data, by=by)
    copy.copied_from = framework
    copy.save(update_fields=["copied_from", "updated_at"])
    # Loading made the copy current because it is the highest version; the original stays current
    # until an administrator says otherwise.
    copy.is_current = False
    copy.save(update_fields=["is_current", "updated_at"])
    framework.is_current = True
    framework.save(update_fields=["is_current", "updated_at"])
    audit_record(
        action="framework_copied", actor=by, obj=copy, old=framework.version, new=copy.version
    )
    return copy


@transaction.atomic
def quality_indicator_update(
    *, qi: QualityIndicator, name: str, description: str, themes: list[str], by=None
) -> QualityIndicator:
    themes = [t.strip() for t in themes if t.strip()]
    if not name.strip():
        raise ApplicationError("Enter the quality indicator’s name.")
    old = {"name": qi.name, "description": qi.description, "themes": qi.themes}
    qi.name, qi.description, qi.themes = name.strip(), description.strip(), themes
    qi.save(update_fields=["name", "description", "themes"])
    audit_record(
        action="quality_indicator_changed",
        actor=by,
        obj=qi,
        old=old,
        new={"name": qi.name, "description": qi.description, "themes": qi.themes},
    )
    return qi


@transaction.atomic
def illustrations_update(
    *, illustration_set: IllustrationSet, qi: QualityIndicator, texts: dict[int, str], by=None
) -> None:
    """Set the illustrations of one QI in one set; an empty text removes that level."""
    if illustration_set.framework_id != qi.framework_id:
        raise ApplicationError("That illustration set belongs to another framework version.")
    if any(level not in range(1, 7) for level in texts):
        raise ApplicationError(LEVEL_RANGE_ERROR)
    existing = {
        i.level: i
        for i in Illustration.objects.filter(
            illustration_set=illustration_set, quality_indicator=qi
        )
    }
    old = {level: i.text for level, i in existing.items()}
    for level, text in texts.items():
        text = text.strip()
        current = existing.get(level)
        if text and current is None:
            Illustration.objects.create(
                illustration_set=illustration_set, quality_indicator=qi, level=level, text=text
            )
        elif text and current.text != text:
            current.text = text
            current.save(update_fields=["text"])
        elif not text and current is not None:
            current.delete()
    new = {level: text.strip() for level, text in texts.items() if text.strip()}
    if old != new:
        audit_record(
            action="illustrations_changed",
            actor=by,
            obj=qi,
            old={str(k): v for k, v in old.items()},
            new={str(k): v for k, v in new.items()},
            detail=f"Illustration set: {illustration_set.name}",
        )
