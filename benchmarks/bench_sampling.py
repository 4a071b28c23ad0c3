"""A stratified draw from a 100,000-record population (target: under 1 s).

Pure Python: sample size, allocation between three strata and the hash-ranked draw, with the
full reserve lists. No database; the population is synthetic references built once, outside
the timing, as a service would have them after one query.
"""

from benchmarks.common import Row, timeit

POPULATION = 100_000
STRATA = {
    "Supervision and unpaid work": 45_000,
    "Supervision (no unpaid work)": 35_000,
    "Unpaid work only": 20_000,
}


def run() -> list[Row]:
    from inspections.sampling import allocate, draw, sample_size

    references_by_stratum: dict[str, list[str]] = {}
    start = 0
    for stratum, size in STRATA.items():
        references_by_stratum[stratum] = [f"CPO/{i:06d}" for i in range(start, start + size)]
        start += size
    assert start == POPULATION

    def stratified_draw() -> None:
        size = sample_size(population=POPULATION).size
        allocation = allocate(strata=STRATA, total=size, minimum=10)
        result = draw(
            references_by_stratum=references_by_stratum,
            allocation=allocation,
            seed="0f3a9c5e7d214b6a8c1e2f3a4b5c6d7e",
        )
        assert len(result.sample) == size

    return [
        timeit(
            "stratified draw, 100,000 records",
            stratified_draw,
            n=10,
            warmup=1,
            note="3 strata, 95% ±9%, full reserve lists; target < 1000 ms",
        )
    ]
