"""Shared helpers for benchmarks: timing, rows and a Django set-up."""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    name: str
    median_ms: float
    p95_ms: float
    n: int
    note: str = ""


def setup_django(settings_module: str = "config.settings.local") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timeit(
    name: str, fn: Callable[[], object], n: int = 30, warmup: int = 3, note: str = ""
) -> Row:
    """Call `fn` `warmup` times, then `n` times; return the median and p95 in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return Row(name, statistics.median(samples), percentile(samples, 0.95), n, note)


def print_table(rows: list[Row]) -> None:
    width = max([len(r.name) for r in rows] + [9])
    print(f"{'benchmark':<{width}}  {'median ms':>10}  {'p95 ms':>10}  {'n':>5}  note")
    print("-" * (width + 40))
    for r in rows:
        print(f"{r.name:<{width}}  {r.median_ms:>10.1f}  {r.p95_ms:>10.1f}  {r.n:>5}  {r.note}")
