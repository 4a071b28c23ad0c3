"""Counts and proportions said the way inspection reports say them.

- A proportion is a quantifier ("most"), a whole percentage and the counts behind it:
  "Most court reports (85%, 83 of 98) were good or better."
- Below `settings.STATISTICS_MIN_DENOMINATOR` cases a percentage would overstate precision and
  risk identifying people, so it is left out and only the counts are given: "(7 of 9)".
- Small numbers are said in words ("three", "fewer than five"), as the seed report does.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor

from django.conf import settings

from reports.statistics.bands import Band, band_for, proportion

NUMBER_WORDS = (
    "none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip
# Whole numbers up to this one are said in words, larger ones in digits. The seed report has
# "fewer than five" and "fewer than 10", "Of the 210 people".
WORDS_UP_TO = 10
# Counts from 1 up to this (exclusive) are said as "fewer than five" when suppression is asked.
SMALL_COUNT_BELOW = 5

GRADE_WORDS = {
    6: "excellent",
    5: "very good",
    4: "good",
    3: "adequate",
    2: "weak",
    1: "unsatisfactory",
}


def number_words(n: int, *, words_up_to: int = WORDS_UP_TO) -> str:
    """Return 0 → "none", 3 → "three", 11 → "11" (words up to `words_up_to`, at most 20)."""
    if n < 0:
        raise ValueError(f"A count cannot be negative: {n}.")
    if n <= min(words_up_to, len(NUMBER_WORDS) - 1):
        return NUMBER_WORDS[n]
    return f"{n:,}"


def count_phrase(
    n: int,
    denominator: int | None = None,
    *,
    suppress: bool = False,
    words_up_to: int = WORDS_UP_TO,
) -> str:
    """Return a count as words: "three", "three of the ten", "fewer than five" (suppress).

    With `suppress`, a count from one to four is said as "fewer than five", so that a small
    group of people cannot be told apart; none stays "none".
    """
    if denominator is not None and not 0 <= n <= denominator:
        raise ValueError(f"{n} is not a count out of {denominator}.")
    if suppress and 0 < n < SMALL_COUNT_BELOW:
        text = f"fewer than {number_words(SMALL_COUNT_BELOW, words_up_to=words_up_to)}"
    else:
        text = number_words(n, words_up_to=words_up_to)
    if denominator is None:
        return text
    return f"{text} of the {number_words(denominator, words_up_to=words_up_to)}"


def _minimum(minimum_denominator: int | None) -> int:
    if minimum_denominator is None:
        return settings.STATISTICS_MIN_DENOMINATOR
    return minimum_denominator


def percentage(
    numerator: int, denominator: int, minimum_denominator: int | None = None
) -> str | None:
    """Return the whole percentage, rounded half up ("85%"); None below the minimum denominator.

    A percentage never claims none or all when that is not so: 1 of 500 is "less than 1%",
    499 of 500 "more than 99%".
    """
    value = proportion(numerator, denominator)
    if denominator < _minimum(minimum_denominator):
        return None
    whole = floor(value * 100 + Fraction(1, 2))
    if whole == 0 and numerator > 0:
        return "less than 1%"
    if whole == 100 and numerator < denominator:
        return "more than 99%"
    return f"{whole}%"


@dataclass(frozen=True)
class GradeGroup:
    """Grades on the six-point scale that reports speak of together: "good or better"."""

    values: frozenset[int]
    phrase: str

    def __contains__(self, grade: object) -> bool:
        return grade in self.values

    def count(self, grades: Iterable[int]) -> int:
        return sum(1 for grade in grades if grade in self.values)

    def finding(self, grades: Sequence[int], *, subject: str, verb: str = "were") -> "Finding":
        """Return the finding "<subject> <verb> <phrase>" over all the grades given."""
        values = ", ".join(str(v) for v in sorted(self.values))
        return Finding(
            numerator=self.count(grades),
            denominator=len(grades),
            subject=subject,
            predicate=f"{verb} {self.phrase}",
            definition=(
                f"Number of {subject} evaluated {self.phrase} (grades {values} on the "
                f"six-point scale), out of all {subject} evaluated."
            ),
        )


def grade_group(*grades: int) -> GradeGroup:
    """Return a group of grades: grade_group(2) is "weak", grade_group(5, 6) is
    VERY_GOOD_OR_EXCELLENT, grade_group(4, 3) "good or adequate"."""
    if not grades or any(g not in GRADE_WORDS for g in grades):
        raise ValueError(f"Grades are whole numbers from 1 to 6, not {grades}.")
    values = frozenset(grades)
    for named in NAMED_GROUPS:
        if named.values == values:
            return named
    return GradeGroup(values, " or ".join(GRADE_WORDS[g] for g in sorted(values, reverse=True)))


GOOD_OR_BETTER = GradeGroup(frozenset({4, 5, 6}), "good or better")
VERY_GOOD_OR_EXCELLENT = GradeGroup(frozenset({5, 6}), "very good or excellent")
ADEQUATE_OR_WEAK = GradeGroup(frozenset({2, 3}), "adequate or weak")
# The two grades that need action ("priority" and "urgent"); "weak or worse" is not a phrase
# the seed uses, so the grades are named.
WEAK_OR_UNSATISFACTORY = GradeGroup(frozenset({1, 2}), "weak or unsatisfactory")
# The seed's phrases, whose order ("very good or excellent", "adequate or weak") is not a rule.
NAMED_GROUPS = (GOOD_OR_BETTER, VERY_GOOD_OR_EXCELLENT, ADEQUATE_OR_WEAK, WEAK_OR_UNSATISFACTORY)


@dataclass(frozen=True)
class Finding:
    """A count out of a total, with the words for it: 83 of 98 "court reports" "were good or
    better". `definition` says exactly what was counted, for a register of figures."""

    numerator: int
    denominator: int
    subject: str  # plural noun phrase: "court reports"
    predicate: str  # "were good or better"
    definition: str = ""

    def __post_init__(self):
        proportion(self.numerator, self.denominator)


@dataclass(frozen=True)
class Group:
    """One row of a comparison: "rated very good or excellent", 39 of 50."""

    label: str
    numerator: int
    denominator: int

    def __post_init__(self):
        proportion(self.numerator, self.denominator)


def _capitalise(text: str) -> str:
    # Not str.capitalize(), which would lower-case "LS/CMI".
    return text[:1].upper() + text[1:]


def _counts(numerator: int, denominator: int) -> str:
    return f"{numerator:,} of {denominator:,}"


def sentence_for(
    finding: Finding,
    bands: Sequence[Band],
    *,
    with_small_count: Finding | None = None,
    minimum_denominator: int | None = None,
) -> str:
    """Return "Most court reports (85%, 83 of 98) were good or better."

    The percentage is left out below the minimum denominator ("(7 of 9)"). `with_small_count`
    adds a clause with the count in words, small counts suppressed: "; fewer than five were
    weak."
    """
    band = band_for(finding.numerator, finding.denominator, bands)
    counts = _counts(finding.numerator, finding.denominator)
    shown = percentage(finding.numerator, finding.denominator, minimum_denominator)
    figures = f"{shown}, {counts}" if shown else counts
    text = f"{band.opening(finding.subject)} ({figures}) {finding.predicate}"
    if with_small_count is not None:
        small = count_phrase(with_small_count.numerator, suppress=True)
        text += f"; {small} {with_small_count.predicate}"
    return _capitalise(text) + "."


def compare_sentence(
    *,
    subject: str,
    predicate: str,
    first: Group,
    second: Group,
    minimum_denominator: int | None = None,
) -> str:
    """Compare one proportion across two groups, as a cross-tabulation is reported:

    "A higher proportion of LS/CMI assessments rated very good or excellent were completed
    within 20 working days (78%) than those rated adequate or weak (52%)."

    "lower" when the first is lower; "The same proportion ... as those ..." when the exact
    proportions, or the percentages shown, are equal (the words never contradict the figures).
    If either group is below the minimum denominator both are given as counts, "(7 of 9)".
    """
    minimum = _minimum(minimum_denominator)
    shown = first.denominator >= minimum and second.denominator >= minimum
    if shown:
        one = percentage(first.numerator, first.denominator, minimum)
        two = percentage(second.numerator, second.denominator, minimum)
    else:
        one = _counts(first.numerator, first.denominator)
        two = _counts(second.numerator, second.denominator)
    a = proportion(first.numerator, first.denominator)
    b = proportion(second.numerator, second.denominator)
    body = f"of {subject} {first.label} {predicate} ({one})"
    if a == b or (shown and one == two):
        return f"The same proportion {body} as those {second.label} ({two})."
    comparison = "higher" if a > b else "lower"
    return f"A {comparison} proportion {body} than those {second.label} ({two})."
