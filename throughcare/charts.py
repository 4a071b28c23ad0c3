"""Charts for the review's documents: horizontal bars as SVG images in data: URIs.

Each chart goes into a PDF as `<img src="data:..." alt="...">` (reports.figures explains why),
with its numbers also in a table beside it, so nothing is only in the picture.
"""

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reports.figures import Figure, svg_data_uri

BAR_COLOUR = "#1d70b8"
TRACK_COLOUR = "#f3f2f1"
TEXT_COLOUR = "#0b0c0c"
LABEL_WIDTH = 200
BAR_WIDTH = 240
ROW_HEIGHT = 30
BAR_HEIGHT = 20


def bar_chart(
    rows: Sequence[tuple[str, int, int]], *, title: str, width_mm: int = 120
) -> Figure | None:
    """Return a bar per (label, count, out of); None when nothing was answered."""
    if not rows or not any(denominator for _, _, denominator in rows):
        return None
    height = ROW_HEIGHT * len(rows) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Noto Sans, DejaVu Sans, sans-serif" '
        'font-size="16">'
    ]
    for index, (label, count, denominator) in enumerate(rows):
        y = 4 + index * ROW_HEIGHT
        share = count / denominator if denominator else 0
        length = round(BAR_WIDTH * share)
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" '
            f'fill="{TEXT_COLOUR}">{escape(short)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
            f'fill="{TRACK_COLOUR}"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 15}" '
            f'fill="{TEXT_COLOUR}">{count} of {denominator}</text>'
        )
    parts.append("</svg>")
    alt = f"{title}: " + "; ".join(
        f"{label}, {count} of {denominator}" for label, count, denominator in rows
    )
    return Figure(src=svg_data_uri("".join(parts)), alt=alt + ".", width_mm=width_mm)
