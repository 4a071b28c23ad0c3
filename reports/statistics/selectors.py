"""Reads of quantifier bands."""

from fractions import Fraction

from core.exceptions import ApplicationError
from reports.models import QuantifierBand
from reports.statistics.bands import Band

BANDS_NOT_LOADED = (
    "There are no quantifier bands yet: run `manage.py load_quantifier_bands` to load them."
)


def quantifier_bands_stored() -> tuple[Band, ...]:
    """Return the stored bands, lowest first (one query); empty if none are loaded."""
    return tuple(
        Band(
            term=row.term,
            phrase=row.phrase,
            lower=Fraction(row.lower),
            lower_inclusive=row.lower_inclusive,
            upper=Fraction(row.upper),
            upper_inclusive=row.upper_inclusive,
            position=row.position,
            needs_confirmation=row.needs_confirmation,
            source=row.source,
        )
        for row in QuantifierBand.objects.order_by("position")
    )


def quantifier_bands_current() -> tuple[Band, ...]:
    """Return the bands for one report, read once (one query).

    Read them at the start of a report and pass them to every sentence, so one report never
    mixes two sets of bands; nothing is cached across calls, so an edit applies to the next
    report.
    """
    bands = quantifier_bands_stored()
    if not bands:
        raise ApplicationError(BANDS_NOT_LOADED)
    return bands
