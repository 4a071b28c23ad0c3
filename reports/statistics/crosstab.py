"""Cross-tabulations: counts of one thing against another (quality against timeliness)."""

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reports.statistics.phrases import Group


@dataclass(frozen=True)
class CrossTab:
    """Counts by (row, column), with row and column totals and proportions within a row."""

    rows: tuple
    columns: tuple
    counts: Mapping[tuple, int]

    def count(self, row: Hashable, column: Hashable) -> int:
        return self.counts.get((row, column), 0)

    def row_total(self, row: Hashable) -> int:
        return sum(self.count(row, column) for column in self.columns)

    def column_total(self, column: Hashable) -> int:
        return sum(self.count(row, column) for row in self.rows)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def proportion(self, row: Hashable, column: Hashable) -> Fraction | None:
        """Return the exact share of the row that falls in the column; None for an empty row."""
        total = self.row_total(row)
        return Fraction(self.count(row, column), total) if total else None

    def group(self, row: Hashable, column: Hashable, *, label: str | None = None) -> Group:
        """Return the row's count in the column out of the row total, ready to compare."""
        return Group(
            label=str(row) if label is None else label,
            numerator=self.count(row, column),
            denominator=self.row_total(row),
        )

    def collapse_rows(self, groups: Mapping[Hashable, Iterable[Hashable]]) -> "CrossTab":
        """Return a table whose rows are the named groups of this table's rows.

        Rows in no group are left out (grade 4 when comparing "very good or excellent" with
        "adequate or weak"); a row in two groups is refused, so totals stay true.
        """
        owner: dict[Hashable, Hashable] = {}
        for name, members in groups.items():
            for member in members:
                if member in owner:
                    raise ValueError(f"{member!r} is in both {owner[member]!r} and {name!r}.")
                owner[member] = name
        counts: Counter = Counter()
        for (row, column), n in self.counts.items():
            if row in owner:
                counts[(owner[row], column)] += n
        return CrossTab(rows=tuple(groups), columns=self.columns, counts=dict(counts))


def _order(values: Iterable[Hashable]) -> tuple:
    unique = list(dict.fromkeys(values))
    try:
        return tuple(sorted(unique))
    except TypeError:
        return tuple(unique)


def crosstab(
    pairs: Iterable[tuple[Hashable, Hashable]],
    *,
    rows: Sequence[Hashable] | None = None,
    columns: Sequence[Hashable] | None = None,
) -> CrossTab:
    """Count (row value, column value) pairs, e.g. (grade, completed on time) per assessment.

    Rows and columns are the values given, or else those seen, sorted where they can be. A
    pair outside the rows or columns given is refused rather than dropped.
    """
    counts = Counter(pairs)
    seen_rows = [row for row, _ in counts]
    seen_columns = [column for _, column in counts]
    if rows is not None:
        stray = [row for row in seen_rows if row not in rows]
        if stray:
            raise ValueError(f"Row values {stray!r} are not in the rows given.")
    if columns is not None:
        stray = [column for column in seen_columns if column not in columns]
        if stray:
            raise ValueError(f"Column values {stray!r} are not in the columns given.")
    return CrossTab(
        rows=tuple(rows) if rows is not None else _order(seen_rows),
        columns=tuple(columns) if columns is not None else _order(seen_columns),
        counts=dict(counts),
    )
