"""Charts for the inspection report, as SVG images in data: URIs with alternative text.

Each chart is built from the report's snapshot data only (never from live data), and is printed
beside a table of the same numbers, so nothing is said by the picture alone. An `<img>` keeps
its alternative text in a tagged PDF; an inline `<svg>` would lose it (reports.figures).
"""

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reports.figures import Figure, svg_data_uri

# Darker for higher grades, as the six-point scale figure (reports.figures.scale_figure).
FILLS = {1: "#d2e2f1", 2: "#a5c5e3", 3: "#78a9d5", 4: "#4b8cc7", 5: "#1d70b8", 6: "#144e81"}
TEXT_ON = {1: "#0b0c0c", 2: "#0b0c0c", 3: "#0b0c0c", 4: "#ffffff", 5: "#ffffff", 6: "#ffffff"}
FONT = 'font-family="Noto Sans, sans-serif"'


def _svg(width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT}>' + "".join(body) + "</svg>"
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def evaluations_chart(evaluations: Sequence[dict], scale: Sequence[dict]) -> Figure | None:
    """Return a bar per evaluated QI, as long as its grade on the six-point scale."""
    graded = [e for e in evaluations if e.get("grade")]
    if not graded:
        return None
    label_width, bar_width, row, top = 60, 420, 40, 30
    unit = bar_width / 6
    width = label_width + bar_width + 10
    height = top + row * len(graded) + 8
    body = []
    for value in range(1, 7):  # grid lines and the scale along the top
        x = label_width + unit * value
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 8}" '
            'stroke="#b1b4b6" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{x - unit / 2:.1f}" y="{top - 10}" font-size="15" text-anchor="middle" '
            f'fill="#505a5f">{value}</text>'
        )
    for i, e in enumerate(graded):
        y = top + i * row
        grade = int(e["grade"])
        length = unit * grade
        body.append(
            f'<text x="0" y="{y + row / 2 + 6:.1f}" font-size="18" font-weight="bold" '
            f'fill="#0b0c0c">{escape(e["code"])}</text>'
        )
        body.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{FILLS[grade]}"/>'
        )
        body.append(
            f'<text x="{label_width + length - 8:.1f}" y="{y + row / 2 + 6:.1f}" font-size="17" '
            f'text-anchor="end" fill="{TEXT_ON[grade]}">{grade} {escape(e["label"])}</text>'
        )
    alt = "Bar chart of the evaluations on the six-point scale, from 1 (unsatisfactory) to 6 "
    alt += "(excellent): " + "; ".join(
        f"{e['code']} {e['name']}: {e['grade']}, {e['label'].lower()}" for e in graded
    )
    return Figure(src=svg_data_uri(_svg(width, height, body)), alt=alt + ".", width_mm=150)


def rating_chart(code: str, rows: Sequence[dict], scale: Sequence[dict]) -> Figure | None:
    """Return a stacked bar per rated item: how many records were rated at each grade."""
    rows = [r for r in rows if r.get("total")]
    if not rows:
        return None
    labels = {level["value"]: level["label"] for level in scale}
    label_width, bar_width, row, top = 190, 330, 30, 8
    legend = 40
    width = label_width + bar_width + 10
    height = top + row * len(rows) + legend + 10
    body = []
    for i, r in enumerate(rows):
        y = top + i * row
        body.append(
            f'<text x="0" y="{y + row / 2 + 4:.1f}" font-size="12" fill="#0b0c0c">'
            f"{escape(_short(r['label'], 30))}</text>"
        )
        x = float(label_width)
        for cell in sorted(r["counts"], key=lambda c: -c["value"]):
            if not cell["count"]:
                continue
            w = bar_width * cell["count"] / r["total"]
            value = cell["value"]
            body.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
                f'fill="{FILLS[value]}" stroke="#ffffff" stroke-width="1"/>'
            )
            if w >= 18:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + row / 2 + 4:.1f}" font-size="11" '
                    f'text-anchor="middle" fill="{TEXT_ON[value]}">{cell["count"]}</text>'
                )
            x += w
    # The legend: two rows of three, so every label has room.
    step = bar_width / 3
    for i, value in enumerate(range(6, 0, -1)):
        x = label_width + step * (i % 3)
        y = top + row * len(rows) + 8 + 16 * (i // 3)
        body.append(
            f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{FILLS[value]}" '
            'stroke="#505a5f" stroke-width="0.5"/>'
            f'<text x="{x + 14:.1f}" y="{y + 9}" font-size="10" fill="#0b0c0c">'
            f"{value} {escape(labels.get(value, str(value)).lower())}</text>"
        )
    parts = []
    for r in rows:
        counts = ", ".join(
            f"{c['count']} {labels.get(c['value'], c['value']).lower()}"
            for c in sorted(r["counts"], key=lambda c: -c["value"])
            if c["count"]
        )
        parts.append(f"{r['label']}, {r['total']} records: {counts}")
    alt = (
        f"Stacked bar chart of the quality ratings of records read for QI {code}, from "
        f"excellent to unsatisfactory. " + "; ".join(parts) + "."
    )
    return Figure(src=svg_data_uri(_svg(width, height, body)), alt=alt, width_mm=120)
