"""Agreement between two readers: percentage, Cohen's kappa and weighted kappa (no database)."""

import re

import pytest

from inspections import agreement
from inspections.agreement import (
    KAPPA_UNDEFINED,
    MINIMUM_PAIRS,
    TOO_FEW,
    AgreementSummary,
    agreement_summary,
    cohen_kappa,
    landis_koch_label,
    percentage_agreement,
    weighted_kappa,
)


def _table(cells: dict[tuple[object, object], int]) -> list[tuple[object, object]]:
    """Expand a contingency table {(first, second): count} into pairs."""
    return [pair for pair, count in cells.items() for _ in range(count)]


# Wikipedia, "Cohen's kappa", worked example (also in many textbooks): 50 grant proposals,
# two readers. Yes/yes 20, yes/no 5, no/yes 10, no/no 15. p_o = 35/50 = 0.7; reader A says
# yes 25 times (0.5), reader B 30 times (0.6); p_e = 0.5 × 0.6 + 0.5 × 0.4 = 0.5;
# κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
GRANTS = _table({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})

# A small six-point example worked by hand. First reader 1, 2, 4, 5, 6; second 1, 3, 4, 6, 6.
SIX_POINT = [(1, 1), (2, 3), (4, 4), (5, 6), (6, 6)]


# --------------------------------------------------------------------------------------------
# percentage_agreement
# --------------------------------------------------------------------------------------------


def test_percentage_agreement_is_a_percentage_of_pairs():
    assert percentage_agreement(GRANTS) == 70.0
    assert percentage_agreement(SIX_POINT) == 60.0
    assert percentage_agreement([(1, 1), (1, 2), (2, 2)]) == pytest.approx(66.6667, abs=1e-4)


def test_percentage_agreement_of_nothing_is_none():
    assert percentage_agreement([]) is None


def test_percentage_agreement_refuses_a_pair_that_is_not_a_pair():
    with pytest.raises(ValueError, match=re.escape(agreement.PAIR_INVALID)):
        percentage_agreement([(1, 1, 1)])


# --------------------------------------------------------------------------------------------
# cohen_kappa
# --------------------------------------------------------------------------------------------


def test_cohen_kappa_published_example():
    assert cohen_kappa(GRANTS) == 0.4
    assert cohen_kappa(GRANTS, categories=["yes", "no"]) == 0.4


def test_cohen_kappa_second_published_example():
    # easycalculation.com, "Cohen's kappa index" worked example: 20 patients, two doctors.
    # Both yes 12, B yes/A no 2, B no/A yes 4, both no 2. Published: p_o = 0.7, p_e = 0.62,
    # κ = 0.08 / 0.38 = 0.21 (0.2105 unrounded).
    patients = _table({("yes", "yes"): 12, ("no", "yes"): 2, ("yes", "no"): 4, ("no", "no"): 2})

    assert cohen_kappa(patients) == pytest.approx(0.21, abs=0.005)
    assert cohen_kappa(patients) == pytest.approx(0.08 / 0.38)


def test_cohen_kappa_same_agreement_different_chance():
    # Two tables with p_o = 0.6 (the illustration Wikipedia uses). Hand-worked:
    # (a) 45, 15 / 25, 15: A yes 60%, B yes 70%; p_e = .6 × .7 + .4 × .3 = 0.54;
    #     κ = 0.06 / 0.46 = 0.1304.
    # (b) 25, 35 / 5, 35: A yes 60%, B yes 30%; p_e = .6 × .3 + .4 × .7 = 0.46;
    #     κ = 0.14 / 0.54 = 0.2593.
    first = _table({("y", "y"): 45, ("y", "n"): 15, ("n", "y"): 25, ("n", "n"): 15})
    second = _table({("y", "y"): 25, ("y", "n"): 35, ("n", "y"): 5, ("n", "n"): 35})

    assert cohen_kappa(first) == pytest.approx(0.1304, abs=1e-4)
    assert cohen_kappa(second) == pytest.approx(0.2593, abs=1e-4)


def test_cohen_kappa_on_six_point_answers_ignores_how_far_apart_they_are():
    # p_o = 3/5. First reader: one each of 1, 2, 4, 5, 6; second: 1, 3, 4, 6, 6.
    # p_e = (1/5)(1/5) [1] + (1/5)(1/5) [4] + (1/5)(2/5) [6] = 4/25;
    # κ = (3/5 − 4/25) / (1 − 4/25) = 11/21 = 0.5238.
    assert cohen_kappa(SIX_POINT) == pytest.approx(11 / 21)


def test_cohen_kappa_limits():
    assert cohen_kappa([("a", "a"), ("b", "b"), ("c", "c")]) == 1.0
    # Systematic disagreement: worse than chance.
    assert cohen_kappa([("a", "b"), ("b", "a")]) == -1.0
    # Chance agreement is certain when both readers always give the same single answer.
    assert cohen_kappa([("a", "a"), ("a", "a")]) is None
    assert cohen_kappa([]) is None


def test_cohen_kappa_is_the_same_whichever_reader_is_first():
    swapped = [(second, first) for first, second in GRANTS]

    assert cohen_kappa(swapped) == cohen_kappa(GRANTS)


def test_cohen_kappa_refuses_an_answer_outside_the_categories():
    with pytest.raises(ValueError, match=re.escape("Answer 'maybe' is not one of the categories")):
        cohen_kappa([("yes", "maybe")], categories=["yes", "no"])


# --------------------------------------------------------------------------------------------
# weighted_kappa
# --------------------------------------------------------------------------------------------


def test_weighted_kappa_published_example():
    # Maple help, EssayTools[QuadraticWeightedKappa], examples 1 and 2 (scores 1 to 10, so
    # the categories are 1..10, the minimum and maximum of the data). Published values
    # 0.758620689655172 and 0.438095238095238. Also checked against
    # sklearn.metrics.cohen_kappa_score(..., weights="quadratic") offline.
    first = [9, 7, 8, 7, 6, 8, 3, 5, 10]

    assert weighted_kappa(
        list(zip(first, [8, 8, 6, 6, 7, 6, 1, 4, 8], strict=True)), categories=range(1, 11)
    ) == pytest.approx(0.758620689655172, abs=1e-12)
    assert weighted_kappa(
        list(zip(first, [3, 5, 6, 6, 7, 6, 1, 4, 8], strict=True)), categories=range(1, 11)
    ) == pytest.approx(0.438095238095238, abs=1e-12)


def test_weighted_kappa_quadratic_worked_by_hand():
    # Six categories: a disagreement of d steps weighs (d / 5)². Weights cancel in the ratio,
    # so work with d² directly.
    # Observed: pairs (2, 3) and (5, 6) each d² = 1; sum 2 over 5 pairs → mean 2/5.
    # Expected: every first answer against every second answer (each first answer once;
    # second answers 1, 3, 4, 6, 6), sum of d²:
    #   first 1: 0 + 4 + 9 + 25 + 25 = 63      first 5: 16 + 4 + 1 + 1 + 1 = 23
    #   first 2: 1 + 1 + 4 + 16 + 16 = 38      first 6: 25 + 9 + 4 + 0 + 0 = 38
    #   first 4: 9 + 1 + 0 + 4 + 4   = 18      total 180 over 25 combinations → mean 36/5.
    # κ = 1 − (2/5) / (36/5) = 1 − 1/18 = 17/18 = 0.9444.
    assert weighted_kappa(SIX_POINT) == pytest.approx(17 / 18, abs=1e-12)


def test_weighted_kappa_linear_worked_by_hand():
    # Same answers with weights d / 5; work with d. Observed: sum 2 over 5 pairs → 2/5.
    # Expected sum of d: 15 + 12 + 8 + 9 + 10 = 54 over 25 → 54/25.
    # κ = 1 − (2/5) / (54/25) = 1 − 10/54 = 22/27 = 0.8148.
    assert weighted_kappa(SIX_POINT, weights="linear") == pytest.approx(22 / 27, abs=1e-12)


def test_weighted_kappa_credits_near_misses_that_plain_kappa_ignores():
    # The same five pairs: unweighted 0.52, linear 0.81, quadratic 0.94.
    assert cohen_kappa(SIX_POINT) < weighted_kappa(SIX_POINT, weights="linear")
    assert weighted_kappa(SIX_POINT, weights="linear") < weighted_kappa(SIX_POINT)


def test_weighted_kappa_with_two_categories_is_cohens_kappa():
    # With two categories every disagreement weighs 1 under either scheme: the published 0.4.
    grants = [(1 if a == "yes" else 2, 1 if b == "yes" else 2) for a, b in GRANTS]

    assert weighted_kappa(grants, categories=(1, 2)) == pytest.approx(0.4)
    assert weighted_kappa(grants, categories=(1, 2), weights="linear") == pytest.approx(0.4)


def test_weighted_kappa_limits():
    assert weighted_kappa([(1, 1), (3, 3), (6, 6)]) == 1.0
    assert weighted_kappa([(1, 6), (6, 1)]) == -1.0
    assert weighted_kappa([(4, 4)] * 12) is None
    assert weighted_kappa([]) is None


def test_weighted_kappa_is_the_same_whichever_reader_is_first():
    swapped = [(second, first) for first, second in SIX_POINT]

    assert weighted_kappa(swapped) == weighted_kappa(SIX_POINT)


@pytest.mark.parametrize(
    ("pairs", "kwargs", "message"),
    [
        ([(0, 1)], {}, "Answer 0 is not one of the categories 1, 2, 3, 4, 5, 6."),
        ([(1, 7)], {}, "Answer 7 is not one of the categories 1, 2, 3, 4, 5, 6."),
        ([(1, 1)], {"weights": "cubic"}, agreement.WEIGHTS_INVALID),
        ([(1, 1)], {"categories": (1,)}, agreement.CATEGORIES_INVALID),
        ([(1, 1)], {"categories": (1, 1, 2)}, agreement.CATEGORIES_INVALID),
    ],
)
def test_weighted_kappa_refuses_invalid_inputs(pairs, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        weighted_kappa(pairs, **kwargs)


# --------------------------------------------------------------------------------------------
# landis_koch_label
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kappa", "label"),
    [
        (-0.01, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.2001, "fair"),
        (0.4, "fair"),
        (0.41, "moderate"),
        (0.6, "moderate"),
        (0.61, "substantial"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
        (None, None),
    ],
)
def test_landis_koch_label(kappa, label):
    assert landis_koch_label(kappa) == label


# --------------------------------------------------------------------------------------------
# agreement_summary
# --------------------------------------------------------------------------------------------


def test_minimum_pairs_is_ten():
    assert MINIMUM_PAIRS == 10


def test_summary_below_the_minimum_is_too_few_to_calculate():
    pairs = [(4, 4), (5, 4), (3, 3), (6, 5), (2, 2), (4, 4), (5, 5), (3, 4), (4, 4)]

    summary = agreement_summary(pairs, "rating")

    assert summary == AgreementSummary(
        n_pairs=9,
        percentage=None,
        kappa=None,
        kappa_kind="weighted kappa (quadratic weights)",
        sufficient=False,
        message="too few to calculate",
    )
    assert TOO_FEW == "too few to calculate"


def test_summary_at_the_minimum_gives_the_figures():
    # Ten ratings, six agreed: the nine above plus (2, 1). Quadratic κ = 33/38 = 0.8684
    # (cross-checked offline with sklearn's cohen_kappa_score, weights="quadratic").
    pairs = [(4, 4), (5, 4), (3, 3), (6, 5), (2, 2), (4, 4), (5, 5), (3, 4), (4, 4), (2, 1)]

    summary = agreement_summary(pairs, "rating")

    assert summary.n_pairs == 10
    assert summary.sufficient
    assert summary.percentage == 60.0
    assert summary.kappa == pytest.approx(33 / 38, abs=1e-12)
    assert summary.message == "almost perfect agreement"


def test_summary_leaves_out_pairs_with_a_missing_answer():
    pairs = [(4, 4)] * 5 + [(3, 3)] * 4 + [(5, None), (None, 2), (None, None)]

    summary = agreement_summary(pairs, "rating")

    assert summary.n_pairs == 9
    assert summary.message == TOO_FEW


def test_summary_for_categorical_answers_uses_unweighted_kappa():
    summary = agreement_summary(GRANTS, "categorical")

    assert summary.n_pairs == 50
    assert summary.percentage == 70.0
    assert summary.kappa == 0.4
    assert summary.kappa_kind == "Cohen's kappa (unweighted)"
    assert summary.message == "fair agreement"


def test_summary_when_every_answer_is_the_same():
    summary = agreement_summary([("yes", "yes")] * 12, "categorical")

    assert summary.sufficient
    assert summary.percentage == 100.0
    assert summary.kappa is None
    assert summary.message == KAPPA_UNDEFINED


def test_summary_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match=re.escape(agreement.KIND_INVALID)):
        agreement_summary(GRANTS, "nominal")
