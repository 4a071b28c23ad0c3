"""Run every benchmarks/bench_*.py module's `run()` and print one table.

`make bench` runs them all; `python -m benchmarks framework` runs the modules whose names
contain "framework". Each module sets up what it needs and returns a list of Rows.
"""

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks.common import print_table, setup_django


def main(argv: list[str]) -> None:
    setup_django()
    wanted = argv[1:]
    rows = []
    folder = Path(__file__).parent
    for module in sorted(m.name for m in pkgutil.iter_modules([str(folder)])):
        if not module.startswith("bench_"):
            continue
        if wanted and not any(w in module for w in wanted):
            continue
        print(f"running {module}…", file=sys.stderr)
        rows.extend(importlib.import_module(f"benchmarks.{module}").run())
    print_table(rows)


if __name__ == "__main__":
    main(sys.argv)
