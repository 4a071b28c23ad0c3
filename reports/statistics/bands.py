"""Quantifier bands: the words inspectors use for a proportion, and the ranges they cover.

Pure data and arithmetic, no database: a report reads the bands once
(`reports.statistics.selectors.quantifier_bands_current`) and passes them in, so every
sentence in one report uses the same bands and tests need no database.

Proportions are exact `Fraction`s of the unrounded counts: 149 of 1,000 is 14.9%, which is
"few", even though it would be printed as 15%.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from core.exceptions import ApplicationError

BANDS_EMPTY = "There must be at least one quantifier band."
BAND_TERM_MISSING = "Every quantifier band needs a term."
BAND_TERM_REPEATED = "The term “{term}” is used by more than one band."
BAND_PHRASE_INVALID = (
    "The phrase for “{term}” must contain {{subject}} once, where the subject goes, and no "
    "other braces: for example “most {{subject}}”."
)
BAND_OUTSIDE_UNIT = "The band “{term}” must lie between 0% and 100%."
BAND_EMPTY_RANGE = (
    "The band “{term}” covers no proportion: its lower limit must be below its upper limit, "
    "or equal to it with both limits included."
)
BANDS_NOT_FROM_ZERO = "The bands must start at 0%, with 0% included: no band covers 0%."
BANDS_NOT_TO_ONE = "The bands must reach 100%, with 100% included: no band covers 100%."
BANDS_GAP = "There is a gap between “{before}” and “{after}”: no band covers {where}."
BANDS_OVERLAP = "The bands “{before}” and “{after}” overlap: both cover {where}."


@dataclass(frozen=True)
class Band:
    """One quantifier and the proportions it covers, as exact fractions of 1."""

    term: str
    phrase: str  # e.g. "the majority of {subject}"
    lower: Fraction
    lower_inclusive: bool
    upper: Fraction
    upper_inclusive: bool
    position: int = 0
    needs_confirmation: bool = True
    source: str = ""

    def contains(self, proportion: Fraction) -> bool:
        above = proportion > self.lower or (self.lower_inclusive and proportion == self.lower)
        below = proportion < self.upper or (self.upper_inclusive and proportion == self.upper)
        return above and below

    def opening(self, subject: str) -> str:
        """Return the band's phrase with the subject in it: "the majority of court reports"."""
        return self.phrase.replace("{subject}", subject)


def percent_text(value: Fraction) -> str:
    """Return a proportion as a percentage for messages: 0.15 → "15%", 0.149 → "14.9%"."""
    text = f"{float(value * 100):.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _where(lower: Fraction, upper: Fraction) -> str:
    if lower == upper:
        return f"exactly {percent_text(lower)}"
    return f"proportions between {percent_text(lower)} and {percent_text(upper)}"


def _sort_key(band: Band) -> tuple[Fraction, bool, Fraction, bool]:
    # A band that includes its lower limit comes before one that starts just above it.
    return band.lower, not band.lower_inclusive, band.upper, band.upper_inclusive


def bands_validate(bands: Sequence[Band]) -> tuple[Band, ...]:
    """Check the bands tile [0, 1] exactly; return them in order, lowest first.

    Raise ApplicationError with a message an administrator can act on: a missing or repeated
    term, a malformed phrase, a band outside 0–100% or covering nothing, a gap, an overlap.
    """
    if not bands:
        raise ApplicationError(BANDS_EMPTY)
    terms: set[str] = set()
    for band in bands:
        term = band.term.strip()
        if not term:
            raise ApplicationError(BAND_TERM_MISSING)
        if term in terms:
            raise ApplicationError(BAND_TERM_REPEATED.format(term=term))
        terms.add(term)
        rest = band.phrase.replace("{subject}", "", 1)
        if band.phrase.count("{subject}") != 1 or "{" in rest or "}" in rest:
            raise ApplicationError(BAND_PHRASE_INVALID.format(term=term))
        if band.lower < 0 or band.upper > 1:
            raise ApplicationError(BAND_OUTSIDE_UNIT.format(term=term))
        point = band.lower == band.upper and band.lower_inclusive and band.upper_inclusive
        if not (band.lower < band.upper or point):
            raise ApplicationError(BAND_EMPTY_RANGE.format(term=term))

    ordered = sorted(bands, key=_sort_key)
    first, last = ordered[0], ordered[-1]
    if first.lower != 0 or not first.lower_inclusive:
        raise ApplicationError(BANDS_NOT_FROM_ZERO)
    for before, after in zip(ordered, ordered[1:], strict=False):
        names = {"before": before.term, "after": after.term}
        if after.lower > before.upper:
            raise ApplicationError(
                BANDS_GAP.format(where=_where(before.upper, after.lower), **names)
            )
        if after.lower < before.upper:
            overlap_end = min(before.upper, after.upper)
            raise ApplicationError(
                BANDS_OVERLAP.format(where=_where(after.lower, overlap_end), **names)
            )
        if before.upper_inclusive and after.lower_inclusive:
            raise ApplicationError(
                BANDS_OVERLAP.format(where=_where(after.lower, after.lower), **names)
            )
        if not before.upper_inclusive and not after.lower_inclusive:
            raise ApplicationError(
                BANDS_GAP.format(where=_where(after.lower, after.lower), **names)
            )
    if last.upper != 1 or not last.upper_inclusive:
        raise ApplicationError(BANDS_NOT_TO_ONE)
    return tuple(ordered)


def proportion(numerator: int, denominator: int) -> Fraction:
    """Return numerator/denominator exactly; refuse counts that are not a proportion."""
    if denominator <= 0:
        raise ValueError(f"A proportion needs a positive denominator, not {denominator}.")
    if not 0 <= numerator <= denominator:
        raise ValueError(f"{numerator} is not a count out of {denominator}.")
    return Fraction(numerator, denominator)


def band_for(numerator: int, denominator: int, bands: Sequence[Band]) -> Band:
    """Return the band that covers numerator/denominator, on the unrounded proportion."""
    value = proportion(numerator, denominator)
    for band in bands:
        if band.contains(value):
            return band
    raise ValueError(f"No quantifier band covers {percent_text(value)}; check the bands.")


def quantifier(numerator: int, denominator: int, bands: Sequence[Band]) -> str:
    """Return the inspectorate's word for numerator/denominator: 83 of 98 → "most"."""
    return band_for(numerator, denominator, bands).term
