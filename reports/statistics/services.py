"""Writes for quantifier bands: load the seed file once, and replace the set as a whole.

The bands are only ever changed as a complete set, validated to tile [0, 1], and audited with
the old and new sets, so a report can always say which bands it used.
"""

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.db import transaction

from core.exceptions import ApplicationError
from core.services import audit_record
from reports.models import QuantifierBand
from reports.statistics.bands import Band, bands_validate

BANDS_FILE = Path(__file__).resolve().parent.parent / "data" / "quantifier_bands.json"
BAND_FIELD_MISSING = "Quantifier band {number} has no “{field}”."
BAND_LIMIT_INVALID = "The {field} limit of “{term}” is not a number: “{value}”."
BAND_LIMIT_TOO_PRECISE = "The {field} limit of “{term}” has more than six decimal places."

_FIELDS = ("term", "phrase", "lower", "lower_inclusive", "upper", "upper_inclusive")


def _limit(value: Any, *, field: str, term: str) -> Fraction:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ApplicationError(
            BAND_LIMIT_INVALID.format(field=field, term=term, value=value)
        ) from None
    if not number.is_finite():
        raise ApplicationError(BAND_LIMIT_INVALID.format(field=field, term=term, value=value))
    if number != round(number, 6):
        raise ApplicationError(BAND_LIMIT_TOO_PRECISE.format(field=field, term=term))
    return Fraction(number)


def quantifier_bands_from_data(rows: Sequence[Mapping[str, Any]]) -> tuple[Band, ...]:
    """Return bands from plain data (the seed file's "bands", or an administrator's edit)."""
    bands = []
    for number, row in enumerate(rows, start=1):
        for field in _FIELDS:
            if field not in row:
                raise ApplicationError(BAND_FIELD_MISSING.format(number=number, field=field))
        term = str(row["term"]).strip()
        bands.append(
            Band(
                term=term,
                phrase=str(row["phrase"]).strip(),
                lower=_limit(row["lower"], field="lower", term=term),
                lower_inclusive=bool(row["lower_inclusive"]),
                upper=_limit(row["upper"], field="upper", term=term),
                upper_inclusive=bool(row["upper_inclusive"]),
                needs_confirmation=bool(row.get("needs_confirmation", True)),
                source=str(row.get("source", "")),
            )
        )
    return tuple(bands)


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _as_data(band: Band) -> dict[str, Any]:
    return {
        "term": band.term,
        "phrase": band.phrase,
        "lower": str(_decimal(band.lower).normalize()),
        "lower_inclusive": band.lower_inclusive,
        "upper": str(_decimal(band.upper).normalize()),
        "upper_inclusive": band.upper_inclusive,
        "needs_confirmation": band.needs_confirmation,
        "source": band.source,
    }


def _store(bands: Sequence[Band]) -> list[QuantifierBand]:
    ordered = bands_validate(bands)
    for band in ordered:
        # Decimal columns hold six places; anything finer would not be stored exactly.
        for field, value in (("lower", band.lower), ("upper", band.upper)):
            if value != Fraction(round(_decimal(value), 6)):
                raise ApplicationError(BAND_LIMIT_TOO_PRECISE.format(field=field, term=band.term))
    return QuantifierBand.objects.bulk_create(
        QuantifierBand(
            term=band.term.strip(),
            phrase=band.phrase,
            lower=round(_decimal(band.lower), 6),
            lower_inclusive=band.lower_inclusive,
            upper=round(_decimal(band.upper), 6),
            upper_inclusive=band.upper_inclusive,
            position=position,
            needs_confirmation=band.needs_confirmation,
            source=band.source,
        )
        for position, band in enumerate(ordered, start=1)
    )


@transaction.atomic
def quantifier_bands_replace(*, bands: Sequence[Band], by) -> list[QuantifierBand]:
    """Replace every band with `bands`, which must tile 0–100% exactly; audit old and new.

    Positions follow the proportions, lowest first. Nothing is changed if the bands are
    refused.
    """
    from reports.statistics.selectors import quantifier_bands_stored

    ordered = bands_validate(bands)
    old = [_as_data(band) for band in quantifier_bands_stored()]
    QuantifierBand.objects.all().delete()
    stored = _store(ordered)
    audit_record(
        action="quantifier_bands_replaced",
        actor=by,
        old=old,
        new=[_as_data(band) for band in ordered],
    )
    return stored


@transaction.atomic
def quantifier_bands_load(
    *, data: Mapping[str, Any] | None = None, path: Path | None = None, by=None
) -> int:
    """Load the seed bands if there are none yet; return how many were added.

    Bands already in the database are left exactly as they are, so an administrator's edits
    stand when the loader runs again.
    """
    if QuantifierBand.objects.exists():
        return 0
    if data is None:
        data = json.loads((path or BANDS_FILE).read_text(encoding="utf-8"))
    bands = quantifier_bands_from_data(data["bands"])
    stored = _store(bands)
    audit_record(
        action="quantifier_bands_loaded",
        actor=by,
        new=[_as_data(band) for band in bands_validate(bands)],
    )
    return len(stored)
