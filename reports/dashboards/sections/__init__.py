"""Dashboard sections: each a small module that reads its data for a scope and returns its
tables, so a new section (partnerships, improvement, feedback, thematic reviews) is one more
module registered here, with its own template `reports/dashboard_<key>.html`.

A section declares the kinds of scrutiny it covers; it is left out when the person filters on
another kind. Every table it returns is shown on the page and downloadable as CSV and XLSX.
"""

from dataclasses import dataclass, field
from typing import Any

from reports.dashboards.exports import Table
from reports.dashboards.selectors import DashboardScope


@dataclass
class SectionResult:
    key: str
    title: str
    template: str
    tables: list[Table] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


class Section:
    position: int = 100  # where the section comes on the page, lowest first
    key: str = ""
    title: str = ""
    kinds: frozenset[str] = frozenset()

    @property
    def template(self) -> str:
        return f"reports/dashboard_{self.key}.html"

    def shown_to(self, scope: DashboardScope) -> bool:
        """Whether the section is on this person's page at all (most: for everyone on it)."""
        return True

    def build(self, scope: DashboardScope) -> SectionResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def result(self, tables: list[Table], **context) -> SectionResult:
        return SectionResult(self.key, self.title, self.template, tables, context)


SECTIONS: list[Section] = []


def register_section(section_class: type[Section]) -> type[Section]:
    SECTIONS.append(section_class())
    return section_class


def sections_for(scope: DashboardScope) -> list[Section]:
    from reports.dashboards.sections import (  # noqa: F401
        feedback,
        grades,
        improvement,
        partnerships,
        programme,
        readings,
        reviews,
    )

    return sorted(
        (s for s in SECTIONS if scope.covers(s.kinds) and s.shown_to(scope)),
        key=lambda s: s.position,
    )


def section_get(key: str) -> Section | None:
    from reports.dashboards.sections import (  # noqa: F401
        feedback,
        grades,
        improvement,
        partnerships,
        programme,
        readings,
        reviews,
    )

    return next((s for s in SECTIONS if s.key == key), None)
