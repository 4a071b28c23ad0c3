"""Sample size, allocation between strata and the reproducible draw (no database needed)."""

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from inspections import sampling
from inspections.sampling import (
    ALGORITHM_VERSION,
    ORDER_TYPE_OTHER,
    ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK,
    ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK,
    ORDER_TYPE_UNPAID_WORK_ONLY,
    Draw,
    SampledRecord,
    allocate,
    draw,
    new_seed,
    rank_key,
    sample_size,
    stratum_for_order_type,
)

# --------------------------------------------------------------------------------------------
# sample_size
# --------------------------------------------------------------------------------------------


def test_sample_size_for_the_average_cpo_inspection():
    # DOMAIN §12: about 684 people per inspection; 95% confidence, ±9%, p = 0.5.
    # z = 1.959964 (exact quantile, not 1.96); n₀ = 1.959964² × 0.25 / 0.0081 = 118.5635;
    # n = 118.5635 / (1 + 117.5635 / 684) = 118.5635 / 1.171876 = 101.1741; rounded up: 102.
    calculation = sample_size(population=684)

    assert calculation.z == pytest.approx(1.959964, abs=1e-6)
    assert calculation.n0 == pytest.approx(118.5635, abs=1e-4)
    assert calculation.n == pytest.approx(101.1741, abs=1e-4)
    assert calculation.size == 102
    assert calculation.working == [
        "z for 95% confidence = 1.960",
        "n₀ = z² × p(1−p) / e² = 1.960² × 0.5 × 0.5 / 0.09² = 118.6",
        "Corrected for a population of 684: n = n₀ / (1 + (n₀ − 1) / N) = 101.2",
        "Sample size: 102 records (101.2 rounded up)",
    ]


def test_sample_size_for_the_whole_cpo_population():
    # 3,419 records (DOMAIN §12): n = 118.5635 / (1 + 117.5635 / 3419) = 114.6222 → 115.
    calculation = sample_size(population=3419)

    assert calculation.n == pytest.approx(114.6222, abs=1e-4)
    assert calculation.size == 115
    assert calculation.working[2] == (
        "Corrected for a population of 3,419: n = n₀ / (1 + (n₀ − 1) / N) = 114.6"
    )


def test_sample_size_textbook_value_without_correction():
    # The textbook 385 for 95%, ±5%, p = 0.5: 1.96² × 0.25 / 0.05² = 384.16 with z rounded
    # to 1.96; the exact z gives 384.146. Either way, 385 once rounded up.
    calculation = sample_size(population=None, margin=0.05)

    assert calculation.n0 == pytest.approx(384.1459, abs=1e-4)
    assert calculation.n == calculation.n0
    assert calculation.size == 385
    assert calculation.working[2] == (
        "No finite-population correction (population not limited): n = 384.1"
    )


@pytest.mark.parametrize(
    ("kwargs", "z", "n0", "size"),
    [
        # 99%: z = 2.575829; n₀ = 2.575829² × 0.25 / 0.05² = 663.49 → 664.
        ({"confidence": 0.99, "margin": 0.05}, 2.575829, 663.4897, 664),
        # 90%: z = 1.644854; n₀ = 1.644854² × 0.25 / 0.05² = 270.55 → 271.
        ({"confidence": 0.90, "margin": 0.05}, 1.644854, 270.5543, 271),
        # p = 0.2 (a 20% rate expected): 1.959964² × 0.16 / 0.05² = 245.85 → 246.
        ({"proportion": 0.2, "margin": 0.05}, 1.959964, 245.8534, 246),
    ],
)
def test_sample_size_other_confidence_levels_and_proportions(kwargs, z, n0, size):
    calculation = sample_size(population=None, **kwargs)

    assert calculation.z == pytest.approx(z, abs=1e-6)
    assert calculation.n0 == pytest.approx(n0, abs=1e-4)
    assert calculation.size == size


def test_sample_size_with_ninety_per_cent_confidence_reads_naturally():
    calculation = sample_size(population=684, confidence=0.9)

    assert calculation.working[0] == "z for 90% confidence = 1.645"


@pytest.mark.parametrize(("population", "size"), [(0, 0), (1, 1), (5, 5), (40, 40)])
def test_sample_size_never_exceeds_a_small_population(population, size):
    # n = 118.56 / (1 + 117.56 / 40) = 30.1 for N = 40 at ±9%; at ±5% it is 36.3, still below
    # 40, so use ±1% (n₀ = 9,604) to make the whole population the answer.
    calculation = sample_size(population=population, margin=0.01)

    assert calculation.size == size
    assert calculation.working[-1] == (
        f"Sample size: {size} {'record' if size == 1 else 'records'} (the whole population)"
    )


def test_sample_size_just_below_a_small_population_is_not_capped():
    calculation = sample_size(population=40)

    assert calculation.n == pytest.approx(30.1, abs=0.05)
    assert calculation.size == 31


def test_sample_size_with_certain_proportion_is_zero():
    calculation = sample_size(population=1, proportion=0)

    assert calculation.n0 == 0
    assert calculation.size == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"population": -1}, sampling.POPULATION_INVALID),
        ({"population": 10.5}, sampling.POPULATION_INVALID),
        ({"population": True}, sampling.POPULATION_INVALID),
        ({"population": 100, "confidence": 0}, sampling.CONFIDENCE_INVALID),
        ({"population": 100, "confidence": 1}, sampling.CONFIDENCE_INVALID),
        ({"population": 100, "confidence": 95}, sampling.CONFIDENCE_INVALID),
        ({"population": 100, "margin": 0}, sampling.MARGIN_INVALID),
        ({"population": 100, "margin": 0.51}, sampling.MARGIN_INVALID),
        ({"population": 100, "margin": float("nan")}, sampling.MARGIN_INVALID),
        ({"population": 100, "proportion": -0.1}, sampling.PROPORTION_INVALID),
        ({"population": 100, "proportion": 1.1}, sampling.PROPORTION_INVALID),
    ],
)
def test_sample_size_refuses_invalid_inputs(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        sample_size(**kwargs)


def test_sample_size_accepts_the_edges_of_valid_ranges():
    assert sample_size(population=100, margin=0.5).size == 4  # n₀ = 3.84 → n = 3.71 → 4
    assert sample_size(population=100, proportion=1).size == 0


# --------------------------------------------------------------------------------------------
# allocate
# --------------------------------------------------------------------------------------------


def test_allocate_is_proportional_when_shares_are_whole():
    allocation = allocate(strata={"a": 600, "b": 300, "c": 100}, total=100)

    assert allocation == {"a": 60, "b": 30, "c": 10}
    assert allocation.total == 100
    assert not allocation.raised_by_minimum
    assert allocation.notes == []


def test_allocate_gives_left_over_records_to_the_largest_remainders():
    # Shares 4.7, 3.3, 2.0: whole parts 4 + 3 + 2 = 9; the 10th goes to the .7.
    assert allocate(strata={"a": 47, "b": 33, "c": 20}, total=10) == {"a": 5, "b": 3, "c": 2}
    # Same sizes, other names: the remainder follows the share, not the name.
    assert allocate(strata={"a": 33, "b": 47, "c": 20}, total=10) == {"a": 3, "b": 5, "c": 2}


def test_allocate_breaks_ties_by_stratum_name_whatever_the_input_order():
    # Three shares of 2/3: the two left-over records go to "a" and "b".
    expected = {"a": 1, "b": 1, "c": 0}
    assert allocate(strata={"a": 1, "b": 1, "c": 1}, total=2) == expected
    assert allocate(strata={"c": 1, "b": 1, "a": 1}, total=2) == expected
    # Shares 2.5 and 2.5 between "Team B" and "Team A": "Team A" sorts first.
    assert allocate(strata={"Team B": 10, "Team A": 10}, total=5) == {"Team A": 3, "Team B": 2}


def test_allocate_keeps_the_callers_order_of_strata():
    allocation = allocate(strata={"z": 10, "a": 10}, total=4)

    assert list(allocation) == ["z", "a"]


def test_allocate_raises_small_strata_to_the_minimum_and_shares_the_rest():
    # Proportional shares 90, 9, 1; "b" and "c" are held at 10 each and "a" gets the other 80.
    allocation = allocate(strata={"a": 900, "b": 90, "c": 10}, total=100, minimum=10)

    assert allocation == {"a": 80, "b": 10, "c": 10}
    assert allocation.total == 100
    assert not allocation.raised_by_minimum


def test_allocate_shares_the_rest_in_proportion_among_the_unheld_strata():
    # "c" (share 0.6) is held at 5; 97 left for a:b = 500:300 → 60.625 and 36.375 → 61, 36.
    allocation = allocate(strata={"a": 500, "b": 300, "c": 5}, total=102, minimum=10)

    assert allocation == {"a": 61, "b": 36, "c": 5}


def test_allocate_takes_the_whole_of_a_stratum_smaller_than_the_minimum():
    allocation = allocate(strata={"Supervision": 500, "Unpaid work only": 3}, total=50, minimum=10)

    assert allocation == {"Supervision": 47, "Unpaid work only": 3}
    assert allocation.notes == [
        "Unpaid work only has only 3 records, fewer than the minimum of 10: all are sampled."
    ]


def test_allocate_says_when_the_minimum_raises_the_total():
    allocation = allocate(strata={"a": 100, "b": 100, "c": 100, "d": 100}, total=20, minimum=10)

    assert allocation == {"a": 10, "b": 10, "c": 10, "d": 10}
    assert allocation.requested == 20
    assert allocation.total == 40
    assert allocation.raised_by_minimum
    assert allocation.notes == [
        "The minimum of 10 per stratum raises the sample from 20 to 40 records."
    ]


def test_allocate_samples_everyone_when_more_are_requested_than_exist():
    allocation = allocate(strata={"a": 5, "b": 3, "c": 0}, total=100, minimum=4)

    assert allocation == {"a": 5, "b": 3, "c": 0}
    assert allocation.total == 8
    assert not allocation.raised_by_minimum
    assert allocation.notes[0] == (
        "100 records requested but the population has only 8: every record is sampled."
    )


def test_allocate_nothing_from_nothing():
    assert allocate(strata={}, total=10) == {}
    assert allocate(strata={"a": 0}, total=10, minimum=5) == {"a": 0}
    assert allocate(strata={"a": 10, "b": 5}, total=0) == {"a": 0, "b": 0}


def test_allocate_rules_hold_for_many_random_populations():
    rng = random.Random(20190401)
    for _ in range(500):
        strata = {
            f"s{i}": rng.choice([0, 1, 2, 5, 9, 40, 300, 2000]) for i in range(rng.randint(1, 6))
        }
        total = rng.randint(0, 400)
        minimum = rng.choice([0, 0, 1, 5, 10])
        population = sum(strata.values())
        target = min(total, population)
        floors = {s: min(minimum, size) for s, size in strata.items()}

        allocation = allocate(strata=strata, total=total, minimum=minimum)

        for stratum, size in strata.items():
            assert floors[stratum] <= allocation[stratum] <= size
        assert allocation.total == max(target, sum(floors.values()))
        if minimum == 0 and population:
            # Largest remainder never strays a whole record from the exact share.
            for stratum, size in strata.items():
                assert abs(allocation[stratum] - Fraction(target * size, population)) < 1
        shuffled = list(strata.items())
        rng.shuffle(shuffled)
        assert allocate(strata=dict(shuffled), total=total, minimum=minimum) == allocation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strata": {"a": 1}, "total": -1}, sampling.TOTAL_INVALID),
        ({"strata": {"a": 1}, "total": 2.0}, sampling.TOTAL_INVALID),
        ({"strata": {"a": 1}, "total": 1, "minimum": -1}, sampling.MINIMUM_INVALID),
        ({"strata": {"a": -1}, "total": 1}, "Stratum 'a' must have a whole number of records"),
    ],
)
def test_allocate_refuses_invalid_inputs(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        allocate(**kwargs)


# --------------------------------------------------------------------------------------------
# draw
# --------------------------------------------------------------------------------------------

POPULATION = {
    ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK: [f"CPO/A/{i:04d}" for i in range(300)],
    ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK: [f"CPO/B/{i:04d}" for i in range(250)],
    ORDER_TYPE_UNPAID_WORK_ONLY: [f"CPO/C/{i:04d}" for i in range(134)],
}
SIZES = {stratum: len(references) for stratum, references in POPULATION.items()}


def _cpo_draw(population=POPULATION, seed="4f1c2b", **kwargs):
    allocation = allocate(strata=SIZES, total=sample_size(population=684).size, minimum=10)
    return draw(references_by_stratum=population, allocation=allocation, seed=seed, **kwargs)


def test_draw_samples_the_allocated_number_from_each_stratum():
    result = _cpo_draw()

    counts = dict.fromkeys(POPULATION, 0)
    for record in result.sample:
        counts[record.stratum] += 1
        assert record.reference in POPULATION[record.stratum]
    assert counts == {
        ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK: 45,  # 102 × 300/684 = 44.7
        ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK: 37,  # 102 × 250/684 = 37.3
        ORDER_TYPE_UNPAID_WORK_ONLY: 20,  # 102 × 134/684 = 19.98
    }
    assert len(set(result.references)) == 102
    assert result.seed == "4f1c2b"
    assert result.algorithm_version == ALGORITHM_VERSION


def test_draw_is_the_same_whatever_order_the_population_arrives_in():
    expected = _cpo_draw()
    rng = random.Random(684)
    for _ in range(5):
        shuffled_strata = list(POPULATION.items())
        rng.shuffle(shuffled_strata)
        population = {}
        for stratum, references in shuffled_strata:
            references = list(references)
            rng.shuffle(references)
            population[stratum] = iter(references)  # any iterable, read once

        result = _cpo_draw(population=population)

        assert result.sample == expected.sample
        assert result.reserve == expected.reserve


def test_draw_is_the_same_under_any_python_hash_seed():
    # str hashes change between interpreter runs unless PYTHONHASHSEED is fixed; the draw must
    # not depend on them (nor on set or dict iteration order that follows from them).
    script = (
        "import json\n"
        "from inspections.sampling import draw\n"
        "population = {'x': {f'R{i}' for i in range(500)}, 'y': {f'S{i}' for i in range(500)}}\n"
        "result = draw(references_by_stratum=population, allocation={'x': 7, 'y': 3}, seed='s')\n"
        "print(json.dumps(result.references))\n"
    )
    root = Path(__file__).resolve().parents[2]
    outputs = []
    for hash_seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        completed = subprocess.run(
            [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True
        )
        assert completed.returncode == 0, completed.stderr
        outputs.append(json.loads(completed.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == 10


def test_draw_with_a_different_seed_gives_a_different_sample():
    first = _cpo_draw(seed="seed-one")
    second = _cpo_draw(seed="seed-two")

    assert set(first.references) != set(second.references)
    assert len(first.references) == len(second.references)


def test_draw_samples_the_best_ranked_references_in_rank_order():
    result = _cpo_draw()

    for stratum, references in POPULATION.items():
        ranked = sorted(references, key=lambda reference: rank_key("4f1c2b", reference))
        sampled = [record for record in result.sample if record.stratum == stratum]
        assert [record.reference for record in sampled] == ranked[: len(sampled)]
        assert [record.rank for record in sampled] == list(range(1, len(sampled) + 1))
        assert result.reserve[stratum] == ranked[len(sampled) :]


def test_draw_ranks_any_reference_exactly_as_rank_key_orders_it():
    # The draw sorts on digest bytes for speed; the order must be rank_key's for any text.
    references = ["Ä1", "é", "日本/7", "CPO 1", "cpo-1", "Z", "z", "ß", "\u00e9", "e\u0301", "🙂"]
    references = list(dict.fromkeys(references))  # "é" appears twice in the list above

    result = draw(references_by_stratum={"s": references}, allocation={"s": 4}, seed="unicode-seed")

    ranked = sorted(
        references, key=lambda reference: (rank_key("unicode-seed", reference), reference)
    )
    assert result.references + result.reserve["s"] == ranked
    assert result.references == ranked[:4]


def test_draw_lists_strata_in_name_order():
    result = _cpo_draw()

    strata = [record.stratum for record in result.sample]
    assert strata == sorted(strata)
    assert list(result.reserve) == sorted(POPULATION)


def test_reserve_lists_are_ordered_disjoint_and_can_be_limited():
    result = _cpo_draw(reserve_per_stratum=3)
    full = _cpo_draw()

    sampled = set(result.references)
    for stratum, reserve in result.reserve.items():
        assert reserve == full.reserve[stratum][:3]
        assert not sampled & set(reserve)
        keys = [rank_key("4f1c2b", reference) for reference in reserve]
        assert keys == sorted(keys)
        last_sampled = max(
            rank_key("4f1c2b", record.reference)
            for record in result.sample
            if record.stratum == stratum
        )
        assert keys[0] > last_sampled  # replacements come after every sampled record


def test_reserve_is_empty_when_a_stratum_is_taken_whole():
    result = draw(
        references_by_stratum={"small": ["R1", "R2"], "large": ["R3", "R4", "R5"]},
        allocation={"small": 2, "large": 0},
        seed="x",
        reserve_per_stratum=0,
    )

    assert sorted(result.references) == ["R1", "R2"]
    assert result.reserve == {"large": [], "small": []}


def test_golden_draw():
    # A change here means a stored seed no longer reproduces its sample. If the change is
    # intended, ALGORITHM_VERSION must change too (keeping the old algorithm available to
    # re-check samples drawn with it), and these expected values with it.
    assert ALGORITHM_VERSION == "sha256-rank-v1"
    # Independently: printf 'sha256-rank-v1\x1fgolden-seed-2019\x1fCPO/2019/0001' | sha256sum
    assert rank_key("golden-seed-2019", "CPO/2019/0001") == (
        "f95dbd61a4e9009192627644ba27ed2a5033c3b40f3889b6db203dd3e454a301"
    )
    population = [f"CPO/2019/{i:04d}" for i in range(1, 201)]

    result = draw(
        references_by_stratum={"All": population},
        allocation={"All": 5},
        seed="golden-seed-2019",
        reserve_per_stratum=3,
    )

    assert result.sample == [
        SampledRecord("All", "CPO/2019/0104", 1),
        SampledRecord("All", "CPO/2019/0110", 2),
        SampledRecord("All", "CPO/2019/0199", 3),
        SampledRecord("All", "CPO/2019/0043", 4),
        SampledRecord("All", "CPO/2019/0179", 5),
    ]
    assert result.reserve == {"All": ["CPO/2019/0155", "CPO/2019/0167", "CPO/2019/0022"]}


def test_rank_key_is_sha256_of_version_seed_and_reference():
    expected = hashlib.sha256("sha256-rank-v1\x1fs\x1fCPO/Ä/1".encode()).hexdigest()

    assert rank_key("s", "CPO/Ä/1") == expected


def test_new_seed_is_random_hex():
    first, second = new_seed(), new_seed()

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_draw_result_is_a_plain_record_of_the_draw():
    result = _cpo_draw()

    assert isinstance(result, Draw)
    assert result.references == [record.reference for record in result.sample]
    assert result.sample[0] == (result.sample[0].stratum, result.sample[0].reference, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": ""}, sampling.SEED_INVALID),
        ({"seed": "a\x1fb"}, sampling.SEED_INVALID),
        ({"reserve_per_stratum": -1}, sampling.RESERVE_INVALID),
        ({"allocation": {"a": 3}}, "Stratum 'a' has 2 records but 3 were allocated to it."),
        ({"allocation": {"a": -1}}, "Stratum 'a' must be allocated a whole number"),
        (
            {"allocation": {"b": 1}},
            "The allocation and the population must name the same strata: "
            "no allocation for a; no population for b.",
        ),
        (
            {"references_by_stratum": {"a": ["R1", "R1"]}},
            "Reference 'R1' appears more than once in the population.",
        ),
        (
            {"references_by_stratum": {"a": ["R1"], "b": ["R1"]}, "allocation": {"a": 1, "b": 0}},
            "Reference 'R1' appears more than once in the population.",
        ),
        ({"references_by_stratum": {"a": ["R1", 2]}}, "References must be non-empty strings"),
        ({"references_by_stratum": {"a": ["R1", ""]}}, "References must be non-empty strings"),
    ],
)
def test_draw_refuses_invalid_inputs(kwargs, message):
    arguments = {
        "references_by_stratum": {"a": ["R1", "R2"]},
        "allocation": {"a": 1},
        "seed": "s",
        **kwargs,
    }
    with pytest.raises(ValueError, match=re.escape(message)):
        draw(**arguments)


# --------------------------------------------------------------------------------------------
# stratum_for_order_type
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requirements", "stratum"),
    [
        (["supervision", "unpaid_work"], ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK),
        (["unpaid_work", "supervision", "conduct"], ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK),
        (["supervision"], ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK),
        (["supervision", "programme", "alcohol_treatment"], ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK),
        (["unpaid_work"], ORDER_TYPE_UNPAID_WORK_ONLY),
        (("unpaid_work", "unpaid_work"), ORDER_TYPE_UNPAID_WORK_ONLY),
        # Supervision is mandatory alongside anything but unpaid work: these need checking.
        (["unpaid_work", "compensation"], ORDER_TYPE_OTHER),
        (["restricted_movement"], ORDER_TYPE_OTHER),
        ([], ORDER_TYPE_OTHER),
    ],
)
def test_stratum_for_order_type(requirements, stratum):
    assert stratum_for_order_type(requirements) == stratum


def test_order_type_labels_are_uk_english_and_distinct():
    assert ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK == "Supervision and unpaid work"
    assert ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK == "Supervision (no unpaid work)"
    assert ORDER_TYPE_UNPAID_WORK_ONLY == "Unpaid work only"
    assert len(set(sampling.ORDER_TYPES)) == 4


def test_stratum_for_order_type_refuses_unknown_codes():
    with pytest.raises(ValueError, match=re.escape("Unknown requirement code(s): probation, upw.")):
        stratum_for_order_type(["supervision", "upw", "probation"])
