"""Shared helpers for benchmarks: timing, rows, a Django set-up, and a render against its floor."""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


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


def render_against_floor(fresh_document: Callable[[], Any], n: int) -> tuple[list, list, Any]:
    """Time reports.services.document_render on `n` fresh documents, as a warm worker runs it,
    alternating with reports.rendering.render_pdf alone on the same HTML (the floor), so a
    change in the machine's load affects both. One render first warms the process (imports,
    fonts, templates). Return the render and floor times in milliseconds and the last document,
    checked ready. Call it with Django set up, inside the MEDIA_ROOT the files are to go to."""
    from django.conf import settings

    from reports.models import Document
    from reports.rendering import render_pdf
    from reports.services import document_html, document_render

    document_render(document_id=fresh_document().pk)
    html = document_html(document=fresh_document())
    renders, floors = [], []
    for _ in range(n):
        document = fresh_document()
        start = time.perf_counter()
        document_render(document_id=document.pk)
        renders.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        render_pdf(html=html, title=document.title, author=settings.DOCUMENT_AUTHOR)
        floors.append((time.perf_counter() - start) * 1000)
    document.refresh_from_db()
    assert document.state == Document.State.READY, document.failure_reason
    return renders, floors, document
