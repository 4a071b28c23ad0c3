"""`python -m benchmarks dashboard`: the managers' dashboard (see benchmarks/dashboard.py)."""

from benchmarks.dashboard import run  # noqa: F401
