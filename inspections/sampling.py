"""Representative samples of records: size, stratified allocation and a reproducible draw.

Pure Python (standard library only) so the arithmetic can be tested exhaustively without a
database; `inspections.services` stores the results. See docs/adr/0006-reproducible-sampling.md.

- `sample_size` applies the usual formula for estimating a proportion, with the
  finite-population correction, and returns its working as lines people can read.
- `allocate` shares a total between strata in proportion to their size, with a minimum per
  stratum.
- `draw` ranks each stratum's references by a SHA-256 hash of the seed and the reference, so
  the same seed always gives the same sample whatever order the population arrives in and
  whichever Python version runs it. Store `ALGORITHM_VERSION` with the seed.
"""

import hashlib
import math
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import NormalDist
from typing import NamedTuple

__all__ = [
    "ALGORITHM_VERSION",
    "ORDER_TYPE_OTHER",
    "ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK",
    "ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK",
    "ORDER_TYPE_UNPAID_WORK_ONLY",
    "ORDER_TYPES",
    "REQUIREMENT_CODES",
    "Allocation",
    "Draw",
    "SampledRecord",
    "SampleSizeCalculation",
    "allocate",
    "draw",
    "new_seed",
    "rank_key",
    "sample_size",
    "stratum_for_order_type",
]

# Error messages are constants so tests (and any form that shows them) use the same text.
CONFIDENCE_INVALID = "The confidence level must be between 0 and 1 (for example 0.95)."
MARGIN_INVALID = "The margin of error must be more than 0 and no more than 0.5 (for example 0.09)."
PROPORTION_INVALID = "The expected proportion must be between 0 and 1 (0.5 if unknown)."
POPULATION_INVALID = "The population must be a whole number of records, 0 or more."
TOTAL_INVALID = "The sample size must be a whole number, 0 or more."
MINIMUM_INVALID = "The minimum per stratum must be a whole number, 0 or more."
STRATUM_SIZE_INVALID = "Stratum {stratum!r} must have a whole number of records, 0 or more."
SEED_INVALID = "The seed must be a non-empty string without control character 0x1F."
RESERVE_INVALID = "The number of reserves per stratum must be a whole number, 0 or more."
STRATA_MISMATCH = "The allocation and the population must name the same strata: {detail}."
ALLOCATION_TOO_LARGE = "Stratum {stratum!r} has {size} records but {wanted} were allocated to it."
ALLOCATION_INVALID = "Stratum {stratum!r} must be allocated a whole number of records, 0 or more."
REFERENCE_INVALID = "References must be non-empty strings; stratum {stratum!r} has {reference!r}."
REFERENCE_DUPLICATE = "Reference {reference!r} appears more than once in the population."
REQUIREMENT_UNKNOWN = "Unknown requirement code(s): {codes}."


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _records(count: int | float) -> str:
    return "record" if count == 1 else "records"


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100, 6):g}%"


# --------------------------------------------------------------------------------------------
# Sample size
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSizeCalculation:
    """The inputs, the intermediate figures and the result of `sample_size`."""

    population: int | None
    confidence: float
    margin: float
    proportion: float
    z: float  # two-sided standard normal quantile for the confidence level
    n0: float  # size for an unlimited population, unrounded
    n: float  # after the finite-population correction (equal to n0 when there is none)
    size: int  # n rounded up, and never more than the population
    working: list[str] = field(default_factory=list)


def sample_size(
    *,
    population: int | None,
    confidence: float = 0.95,
    margin: float = 0.09,
    proportion: float = 0.5,
) -> SampleSizeCalculation:
    """Return the number of records needed to estimate a proportion, showing the working.

    n₀ = z² · p(1 − p) / e², where z is the two-sided normal quantile for the confidence
    level (`statistics.NormalDist`, not the rounded 1.96), p the expected proportion (0.5, the
    most cautious value, when nothing is known) and e the margin of error. With a population
    of N records the finite-population correction gives n = n₀ / (1 + (n₀ − 1) / N). The
    sample is n rounded up to a whole record and never more than N. `population=None` means
    no correction (an unlimited population), as in textbook tables.

    The defaults (95%, ±9%) fit the Care Inspectorate's published averages but are an
    inference, not its stated method (DOMAIN §12): keep them configurable.
    """
    if population is not None and (not _is_whole(population) or population < 0):
        raise ValueError(POPULATION_INVALID)
    if not 0 < confidence < 1:
        raise ValueError(CONFIDENCE_INVALID)
    if not 0 < margin <= 0.5:
        raise ValueError(MARGIN_INVALID)
    if not 0 <= proportion <= 1:
        raise ValueError(PROPORTION_INVALID)

    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p = proportion
    q = 1 - proportion
    n0 = z * z * p * q / (margin * margin)
    working = [
        f"z for {_percent(confidence)} confidence = {z:.3f}",
        f"n₀ = z² × p(1−p) / e² = {z:.3f}² × {p:g} × {round(q, 9):g} / {margin:g}² = {n0:.1f}",
    ]
    if population is None:
        n = n0
        working.append(f"No finite-population correction (population not limited): n = {n:.1f}")
    elif n0 == 0 or population == 0:
        # Nothing to sample, or (p of 0 or 1) no variation to estimate; the formula would
        # divide by zero for N = 0, and for N = 1 when n₀ = 0.
        n = 0.0
        working.append(f"Corrected for a population of {population:,}: n = 0.0")
    else:
        n = n0 / (1 + (n0 - 1) / population)
        working.append(
            f"Corrected for a population of {population:,}: n = n₀ / (1 + (n₀ − 1) / N) = {n:.1f}"
        )

    # Round away float noise first, so a mathematically whole n is not pushed up by one.
    size = math.ceil(round(n, 9))
    if population is not None and size >= population:
        size = population
        working.append(f"Sample size: {size:,} {_records(size)} (the whole population)")
    elif size == round(n, 9):
        working.append(f"Sample size: {size:,} {_records(size)}")
    else:
        working.append(f"Sample size: {size:,} {_records(size)} ({n:.1f} rounded up)")

    return SampleSizeCalculation(
        population=population,
        confidence=confidence,
        margin=margin,
        proportion=proportion,
        z=z,
        n0=n0,
        n=n,
        size=size,
        working=working,
    )


# --------------------------------------------------------------------------------------------
# Allocation between strata
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: compare as a mapping, equal to a plain dict
class Allocation(Mapping[str, int]):
    """Records to sample from each stratum; reads as a `{stratum: count}` mapping.

    `requested` is the total asked for, `total` the total allocated. `total` is below
    `requested` when the population is smaller, and above it when the minimum per stratum
    forces more (`raised_by_minimum`). `notes` says why, in words people can read.
    """

    counts: dict[str, int]
    requested: int
    minimum: int
    population: int
    notes: list[str] = field(default_factory=list)

    def __getitem__(self, stratum: str) -> int:
        return self.counts[stratum]

    def __iter__(self) -> Iterator[str]:
        return iter(self.counts)

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def raised_by_minimum(self) -> bool:
        return self.total > min(self.requested, self.population)


def allocate(*, strata: Mapping[str, int], total: int, minimum: int = 0) -> Allocation:
    """Share `total` records between strata in proportion to their size.

    Rules, applied in exact (rational) arithmetic so the result never depends on float
    rounding or on the order of `strata`:

    1. The target is `min(total, population)`: a sample cannot exceed the population.
    2. Every stratum gets at least `min(minimum, its size)`: a stratum smaller than the
       minimum is taken whole. If these floors add up to more than the target they are the
       allocation, and the total is raised (see `Allocation.raised_by_minimum`).
    3. Otherwise strata whose proportional share would fall below their floor are held at the
       floor, and the rest of the target is shared among the others in proportion to their
       size (repeated until no further stratum falls below its floor).
    4. Shares are rounded by largest remainder: each stratum gets the whole part of its
       share, and the records left over go one each to the largest fractional parts, ties
       going to the stratum whose name sorts first.

    No stratum is ever allocated more than its size, and the counts add up to the target
    unless rule 2 raised it.
    """
    if not _is_whole(total) or total < 0:
        raise ValueError(TOTAL_INVALID)
    if not _is_whole(minimum) or minimum < 0:
        raise ValueError(MINIMUM_INVALID)
    for stratum, size in strata.items():
        if not _is_whole(size) or size < 0:
            raise ValueError(STRATUM_SIZE_INVALID.format(stratum=stratum))

    population = sum(strata.values())
    target = min(total, population)
    floors = {stratum: min(minimum, size) for stratum, size in strata.items()}
    notes: list[str] = []
    if total > population:
        notes.append(
            f"{total:,} {_records(total)} requested but the population has only "
            f"{population:,}: every record is sampled."
        )
    small = sorted(s for s, size in strata.items() if 0 < size < minimum)
    for stratum in small:
        notes.append(
            f"{stratum} has only {strata[stratum]:,} {_records(strata[stratum])}, fewer than "
            f"the minimum of {minimum:,}: all are sampled."
        )

    if sum(floors.values()) >= target:
        counts = dict(floors)
    else:
        held: set[str] = set()
        while True:
            remaining = target - sum(floors[s] for s in held)
            free_size = sum(size for s, size in strata.items() if s not in held)
            rate = Fraction(remaining, free_size)
            newly_held = {
                s for s, size in strata.items() if s not in held and rate * size < floors[s]
            }
            if not newly_held:
                break
            held |= newly_held
        shares = {s: rate * size for s, size in strata.items() if s not in held}
        counts = {s: floors[s] for s in held}
        counts.update({s: math.floor(share) for s, share in shares.items()})
        left_over = remaining - sum(math.floor(share) for share in shares.values())
        by_remainder = sorted(shares, key=lambda s: (-(shares[s] - math.floor(shares[s])), s))
        for stratum in by_remainder[:left_over]:
            counts[stratum] += 1
        counts = {s: counts[s] for s in strata}  # the caller's order

    allocated = sum(counts.values())
    if allocated > target:
        notes.append(
            f"The minimum of {minimum:,} per stratum raises the sample from {target:,} to "
            f"{allocated:,} {_records(allocated)}."
        )
    return Allocation(
        counts=counts, requested=total, minimum=minimum, population=population, notes=notes
    )


# --------------------------------------------------------------------------------------------
# The draw
# --------------------------------------------------------------------------------------------

# Change this whenever `rank_key` or the way `draw` uses it changes: a stored seed is only
# reproducible together with the algorithm that used it. tests/inspections/test_sampling.py
# pins a golden draw so that an accidental change fails.
ALGORITHM_VERSION = "sha256-rank-v1"

_SEPARATOR = "\x1f"  # ASCII unit separator: cannot be typed into a form


def new_seed() -> str:
    """Return a fresh random seed (32 hexadecimal characters) to store with the sample."""
    return secrets.token_hex(16)


def rank_key(seed: str, reference: str) -> str:
    """Return the SHA-256 hex digest that places `reference` in the draw for `seed`."""
    message = f"{ALGORITHM_VERSION}{_SEPARATOR}{seed}{_SEPARATOR}{reference}"
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


def _sort_key(seed: str) -> Callable[[str], bytes]:
    """Return a key that sorts references as `(rank_key(seed, reference), reference)` does.

    Faster for large populations: the hash of the common prefix is computed once, and one
    bytes value (the 32-byte digest, then the UTF-8 reference) compares in the same order as
    the tuple of hex digest and reference, because hex digits and UTF-8 both keep order.
    """
    prefix = hashlib.sha256(f"{ALGORITHM_VERSION}{_SEPARATOR}{seed}{_SEPARATOR}".encode())

    def key(reference: str) -> bytes:
        encoded = reference.encode("utf-8")
        digest = prefix.copy()
        digest.update(encoded)
        return digest.digest() + encoded

    return key


class SampledRecord(NamedTuple):
    stratum: str
    reference: str
    rank: int  # 1 for the first-ranked reference in its stratum


@dataclass(frozen=True)
class Draw:
    """A sample and its ordered reserve lists, with what is needed to reproduce them."""

    seed: str
    algorithm_version: str
    sample: list[SampledRecord]  # by stratum name, then rank
    reserve: dict[str, list[str]]  # per stratum, in the order replacements are taken

    @property
    def references(self) -> list[str]:
        return [record.reference for record in self.sample]


def draw(
    *,
    references_by_stratum: Mapping[str, Iterable[str]],
    allocation: Mapping[str, int],
    seed: str,
    reserve_per_stratum: int | None = None,
) -> Draw:
    """Draw the sample: in each stratum, the `allocation[stratum]` best-ranked references.

    References are ranked by `rank_key(seed, reference)` (ties, which SHA-256 makes
    practically impossible, go to the reference that sorts first). The order the references
    arrive in, the database's row order and the Python version make no difference. The rest
    of each stratum's ranking, or its next `reserve_per_stratum` references, is the reserve:
    replacements for unreadable records are taken from the same stratum, in order.
    """
    if not isinstance(seed, str) or not seed or _SEPARATOR in seed:
        raise ValueError(SEED_INVALID)
    if reserve_per_stratum is not None and (
        not _is_whole(reserve_per_stratum) or reserve_per_stratum < 0
    ):
        raise ValueError(RESERVE_INVALID)
    missing = sorted(set(references_by_stratum) - set(allocation))
    extra = sorted(set(allocation) - set(references_by_stratum))
    if missing or extra:
        detail = "; ".join(
            part
            for part in (
                f"no allocation for {', '.join(missing)}" if missing else "",
                f"no population for {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise ValueError(STRATA_MISMATCH.format(detail=detail))

    sort_key = _sort_key(seed)
    seen: set[str] = set()
    sample: list[SampledRecord] = []
    reserve: dict[str, list[str]] = {}
    for stratum in sorted(references_by_stratum):
        references = list(references_by_stratum[stratum])
        for reference in references:
            if not isinstance(reference, str) or not reference:
                raise ValueError(REFERENCE_INVALID.format(stratum=stratum, reference=reference))
            if reference in seen:
                raise ValueError(REFERENCE_DUPLICATE.format(reference=reference))
            seen.add(reference)
        wanted = allocation[stratum]
        if not _is_whole(wanted) or wanted < 0:
            raise ValueError(ALLOCATION_INVALID.format(stratum=stratum))
        if wanted > len(references):
            raise ValueError(
                ALLOCATION_TOO_LARGE.format(stratum=stratum, size=len(references), wanted=wanted)
            )
        ranked = sorted(references, key=sort_key)
        sample.extend(
            SampledRecord(stratum, reference, rank)
            for rank, reference in enumerate(ranked[:wanted], start=1)
        )
        rest = ranked[wanted:]
        reserve[stratum] = rest if reserve_per_stratum is None else rest[:reserve_per_stratum]

    return Draw(seed=seed, algorithm_version=ALGORITHM_VERSION, sample=sample, reserve=reserve)


# --------------------------------------------------------------------------------------------
# CPO strata
# --------------------------------------------------------------------------------------------

# Requirement codes (DOMAIN §5.1): the nine of 2018–21 and restricted movement.
REQUIREMENT_CODES = frozenset(
    {
        "unpaid_work",
        "supervision",
        "compensation",
        "programme",
        "residence",
        "mental_health_treatment",
        "drug_treatment",
        "alcohol_treatment",
        "conduct",
        "restricted_movement",
    }
)

ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK = "Supervision and unpaid work"
ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK = "Supervision (no unpaid work)"
ORDER_TYPE_UNPAID_WORK_ONLY = "Unpaid work only"
ORDER_TYPE_OTHER = "Other (no supervision)"
ORDER_TYPES = (
    ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK,
    ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK,
    ORDER_TYPE_UNPAID_WORK_ONLY,
    ORDER_TYPE_OTHER,
)


def stratum_for_order_type(requirements: Iterable[str]) -> str:
    """Return the order-type stratum of a CPO from its requirement codes.

    - supervision and unpaid work: "Supervision and unpaid work";
    - supervision without unpaid work (with or without other requirements):
      "Supervision (no unpaid work)";
    - unpaid work and nothing else: "Unpaid work only";
    - anything else: "Other (no supervision)". Supervision is mandatory with every requirement
      but unpaid work (DOMAIN §5.1), so such an order, or one with no requirements recorded,
      is probably a recording error worth checking; it still gets a stratum so nobody is left
      out of the population.
    """
    codes = set(requirements)
    unknown = codes - REQUIREMENT_CODES
    if unknown:
        raise ValueError(REQUIREMENT_UNKNOWN.format(codes=", ".join(sorted(unknown))))
    if "supervision" in codes:
        if "unpaid_work" in codes:
            return ORDER_TYPE_SUPERVISION_AND_UNPAID_WORK
        return ORDER_TYPE_SUPERVISION_NO_UNPAID_WORK
    if codes == {"unpaid_work"}:
        return ORDER_TYPE_UNPAID_WORK_ONLY
    return ORDER_TYPE_OTHER
