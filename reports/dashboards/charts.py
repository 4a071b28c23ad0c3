"""Accessible inline SVG charts for dashboard pages.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that say what it shows
(referenced by aria-labelledby), and each is followed on the page by the table of its data.
Text on bars is drawn in colours that keep a 4.5:1 contrast.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#1d70b8"
TEXT = "#0b0c0c"
FONT = "system-ui, -apple-system, &quot;Segoe UI&quot;, Roboto, Helvetica, Arial, sans-serif"
# Six-point scale, unsatisfactory (1) to excellent (6), as reports.figures draws it.
GRADE_FILLS = ("#d2e2f1", "#a5c5e3", "#78a9d5", "#4b8cc7", "#1d70b8", "#144e81")
GRADE_TEXT = ("#0b0c0c", "#0b0c0c", "#0b0c0c", "#ffffff", "#ffffff", "#ffffff")


@dataclass(frozen=True)
class Bar:
    label: str
    share: float  # 0..1, the bar's length
    text: str  # what is printed after the bar: "85% (83 of 98)"


def bar_chart(*, chart_id: str, title: str, description: str, bars: list[Bar]) -> SafeString:
    """Return a horizontal bar chart of shares (0 to 100%)."""
    label_width, bar_width, row, gap = 300, 360, 26, 8
    width = label_width + bar_width + 160
    height = max(1, len(bars)) * (row + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'font-family="{FONT}" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for i, bar in enumerate(bars):
        y = 5 + i * (row + gap)
        length = round(max(0.0, min(1.0, bar.share)) * bar_width)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row * 0.7:.0f}" text-anchor="end" '
            f'font-size="15" fill="{TEXT}">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{bar_width}" height="{row}" '
            f'fill="#f3f2f1"/>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{row}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + bar_width + 8}" y="{y + row * 0.7:.0f}" font-size="15" '
            f'fill="{TEXT}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def grade_chart(
    *, chart_id: str, title: str, description: str, rows: list[tuple[str, dict[int, int]]]
) -> SafeString:
    """Return stacked bars, one per row (a QI), of how many grades of each level it got."""
    label_width, bar_width, row, gap = 90, 560, 28, 8
    legend = 30
    width = label_width + bar_width + 20
    height = legend + max(1, len(rows)) * (row + gap) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'font-family="{FONT}" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for grade in range(1, 7):
        x = label_width + (grade - 1) * 90
        parts.append(
            f'<rect x="{x}" y="4" width="18" height="18" fill="{GRADE_FILLS[grade - 1]}" '
            f'stroke="{TEXT}" stroke-width="0.5"/>'
            f'<text x="{x + 24}" y="18" font-size="14" fill="{TEXT}">Grade {grade}</text>'
        )
    for i, (label, counts) in enumerate(rows):
        y = legend + 5 + i * (row + gap)
        total = sum(counts.values())
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row * 0.7:.0f}" text-anchor="end" '
            f'font-size="15" fill="{TEXT}">{escape(label)}</text>'
        )
        x = float(label_width)
        for grade in range(1, 7):
            n = counts.get(grade, 0)
            if not n or not total:
                continue
            w = bar_width * n / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row}" '
                f'fill="{GRADE_FILLS[grade - 1]}"/>'
            )
            if w >= 24:
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + row * 0.7:.0f}" text-anchor="middle" '
                    f'font-size="14" fill="{GRADE_TEXT[grade - 1]}">{n}</text>'
                )
            x += w
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
