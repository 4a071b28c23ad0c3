"""Agreement between two readers of the same records (double reading and moderation).

Pure Python (standard library only); `inspections.selectors` gathers the paired answers. Each
pair is (first reader's answer, second reader's answer) for one record and one question.

- `percentage_agreement`: the share of pairs where both gave the same answer, as a percentage.
- `cohen_kappa`: Cohen's (1960) kappa, agreement corrected for chance, for categorical answers
  (yes / no / partly, ...).
- `weighted_kappa`: Cohen's (1968) weighted kappa for ordinal answers such as the six-point
  scale, with quadratic weights by default (see its docstring and docs/adr/0006).
- `agreement_summary`: what a moderation page shows for one question or one pair of readers,
  including "too few to calculate" below `MINIMUM_PAIRS`.

Arithmetic is exact (`fractions.Fraction`) and converted to float only at the end, so the same
answers always give the same figure.
"""

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

__all__ = [
    "KAPPA_UNDEFINED",
    "MINIMUM_PAIRS",
    "RATING_CATEGORIES",
    "TOO_FEW",
    "AgreementSummary",
    "agreement_summary",
    "cohen_kappa",
    "landis_koch_label",
    "percentage_agreement",
    "weighted_kappa",
]

# Below 10 paired answers kappa is too unstable to show. Cohen's (1960) approximate standard
# error is sqrt(p_o(1 − p_o) / (n (1 − p_e)²)): with n = 10, p_o = 0.8 and p_e = 0.5 it is
# about 0.25, so the 95% interval runs ±0.5, from "fair" to "almost perfect", and the figure
# would mislead more than inform. 10 is this product's floor, derived from that arithmetic;
# no published standard was found to cite. Figures from 10 to about 30 pairs are still only
# indicative (at n = 30 the same interval is about ±0.29).
MINIMUM_PAIRS = 10

TOO_FEW = "too few to calculate"
KAPPA_UNDEFINED = "every answer was the same, so kappa cannot be calculated"

# The six-point evaluation scale (DOMAIN §2): 1 unsatisfactory … 6 excellent.
RATING_CATEGORIES = (1, 2, 3, 4, 5, 6)

PAIR_INVALID = "Each pair must hold exactly two answers, one from each reader."
CATEGORY_UNKNOWN = "Answer {value!r} is not one of the categories {categories}."
CATEGORIES_INVALID = "Categories must be distinct, and there must be at least two."
WEIGHTS_INVALID = 'Weights must be "linear" or "quadratic".'
KIND_INVALID = 'The kind of question must be "rating" or "categorical".'

Weights = Literal["linear", "quadratic"]
Kind = Literal["rating", "categorical"]


def _check_pairs(pairs: Sequence[tuple[Hashable, Hashable]]) -> None:
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(PAIR_INVALID)


def percentage_agreement(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Return the percentage (0 to 100) of pairs with the same answer; None if there are none."""
    _check_pairs(pairs)
    if not pairs:
        return None
    agreed = sum(1 for first, second in pairs if first == second)
    return float(Fraction(100 * agreed, len(pairs)))


def _kappa(
    pairs: Sequence[tuple[Hashable, Hashable]],
    categories: Sequence[Hashable],
    disagreement: list[list[Fraction]],
) -> float | None:
    """Return 1 − (observed weighted disagreement / disagreement expected by chance).

    `disagreement[i][j]` is the weight for the first reader answering categories[i] and the
    second categories[j]: 0 on the diagonal, 1 for the largest disagreement. Chance is the
    product of the two readers' own distributions of answers (Cohen 1960, 1968).
    """
    index = {category: position for position, category in enumerate(categories)}
    for pair in pairs:
        for value in pair:
            if value not in index:
                raise ValueError(
                    CATEGORY_UNKNOWN.format(value=value, categories=", ".join(map(str, categories)))
                )
    n = len(pairs)
    if n == 0:
        return None
    cells = Counter((index[first], index[second]) for first, second in pairs)
    first_totals = Counter(index[first] for first, _ in pairs)
    second_totals = Counter(index[second] for _, second in pairs)
    observed = Fraction(sum(disagreement[i][j] * count for (i, j), count in cells.items()), n)
    expected = Fraction(
        sum(
            disagreement[i][j] * first_totals[i] * second_totals[j]
            for i in first_totals
            for j in second_totals
        ),
        n * n,
    )
    if expected == 0:
        return None
    return float(1 - observed / expected)


def cohen_kappa(
    pairs: Sequence[tuple[Hashable, Hashable]], *, categories: Sequence[Hashable] | None = None
) -> float | None:
    """Return Cohen's (unweighted) kappa, (p_o − p_e) / (1 − p_e), for categorical answers.

    Every disagreement counts the same. `categories` defaults to the answers that occur;
    passing them makes an unexpected answer an error. Return None when there are no pairs or
    when chance agreement is certain (both readers gave one and the same answer throughout).
    """
    _check_pairs(pairs)
    if categories is None:
        categories = sorted({value for pair in pairs for value in pair}, key=repr)
    k = len(categories)
    if len(set(categories)) != k:
        raise ValueError(CATEGORIES_INVALID)
    disagreement = [[Fraction(int(i != j)) for j in range(k)] for i in range(k)]
    return _kappa(pairs, categories, disagreement)


def weighted_kappa(
    pairs: Sequence[tuple[int, int]],
    *,
    categories: Sequence[int] = RATING_CATEGORIES,
    weights: Weights = "quadratic",
) -> float | None:
    """Return Cohen's (1968) weighted kappa for ordinal answers such as six-point ratings.

    `categories` are in order, lowest first. A disagreement of d steps on a scale of k
    categories has weight d / (k − 1) (linear) or (d / (k − 1))² (quadratic). Quadratic is
    the default: on the six-point scale a 5 against a 6 is a near miss, a 1 against a 6 a
    real failure of shared judgement, and quadratic weights penalise the second far more.
    They are also the conventional choice for ordinal scales because, in large samples,
    quadratic-weighted kappa equals the intraclass correlation coefficient of the ratings
    (Fleiss & Cohen 1973), so it reads like a familiar reliability figure. Return None when there
    are no pairs or no disagreement is expected by chance (both readers gave one and the
    same rating throughout).
    """
    _check_pairs(pairs)
    k = len(categories)
    if k < 2 or len(set(categories)) != k:
        raise ValueError(CATEGORIES_INVALID)
    if weights == "linear":
        disagreement = [[Fraction(abs(i - j), k - 1) for j in range(k)] for i in range(k)]
    elif weights == "quadratic":
        disagreement = [[Fraction((i - j) ** 2, (k - 1) ** 2) for j in range(k)] for i in range(k)]
    else:
        raise ValueError(WEIGHTS_INVALID)
    return _kappa(pairs, categories, disagreement)


def landis_koch_label(kappa: float | None) -> str | None:
    """Return Landis & Koch's (1977) description of a kappa value; None for None.

    Their bands (< 0 poor, 0–0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, 0.61–0.80
    substantial, 0.81–1.00 almost perfect) are made exact by closing each at its upper bound:
    0.20 is "slight", 0.2001 "fair". Landis and Koch called their divisions arbitrary, and
    weighted kappas run higher than unweighted ones on the same answers: a guide, not a test.
    """
    if kappa is None:
        return None
    if kappa < 0:
        return "poor"
    if kappa <= 0.20:
        return "slight"
    if kappa <= 0.40:
        return "fair"
    if kappa <= 0.60:
        return "moderate"
    if kappa <= 0.80:
        return "substantial"
    return "almost perfect"


@dataclass(frozen=True)
class AgreementSummary:
    n_pairs: int  # pairs where both readers answered
    percentage: float | None  # None below MINIMUM_PAIRS
    kappa: float | None  # None below MINIMUM_PAIRS, or when kappa is undefined
    kappa_kind: str  # which kappa, in words, e.g. "weighted kappa (quadratic weights)"
    sufficient: bool  # n_pairs >= MINIMUM_PAIRS
    message: str  # TOO_FEW, KAPPA_UNDEFINED or e.g. "substantial agreement"


def agreement_summary(
    pairs: Sequence[tuple[Hashable, Hashable]],
    kind: Kind,
    *,
    categories: Sequence[Hashable] | None = None,
) -> AgreementSummary:
    """Summarise agreement on one question, or between one pair of readers.

    `kind` is "rating" for six-point ratings (quadratic weighted kappa over `categories`,
    by default 1 to 6) or "categorical" for other answers (unweighted kappa). Pairs where
    either reader gave no answer (None) are left out. Below `MINIMUM_PAIRS` paired answers
    neither the percentage nor kappa is given, and the message is "too few to calculate".
    """
    if kind == "rating":
        kappa_kind = "weighted kappa (quadratic weights)"
    elif kind == "categorical":
        kappa_kind = "Cohen's kappa (unweighted)"
    else:
        raise ValueError(KIND_INVALID)
    _check_pairs(pairs)
    answered = [
        (first, second) for first, second in pairs if first is not None and second is not None
    ]
    n_pairs = len(answered)
    if n_pairs < MINIMUM_PAIRS:
        return AgreementSummary(n_pairs, None, None, kappa_kind, False, TOO_FEW)
    if kind == "rating":
        kappa = weighted_kappa(answered, categories=categories or RATING_CATEGORIES)
    else:
        kappa = cohen_kappa(answered, categories=categories)
    message = KAPPA_UNDEFINED if kappa is None else f"{landis_koch_label(kappa)} agreement"
    return AgreementSummary(
        n_pairs, percentage_agreement(answered), kappa, kappa_kind, True, message
    )
