"""Figures for documents, as SVG images in data: URIs.

A figure goes into a document as `<img src="data:image/svg+xml;base64,..." alt="...">`: in a
tagged PDF an inline `<svg>` becomes a Figure without its alternative text, an image keeps it.
"""

import base64
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Figure:
    src: str  # data: URI
    alt: str
    width_mm: int


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def scale_figure(scale) -> Figure:
    """Return the six-point scale drawn as six boxes, highest first."""
    levels = sorted(scale, key=lambda level: -level.value)
    box, gap = 100, 8
    items = [
        {
            "x": i * (box + gap),
            "centre": i * (box + gap) + box // 2,
            "value": level.value,
            "label": level.label,
            # Darker for higher levels; text stays readable on every shade.
            "fill": ["#d2e2f1", "#a5c5e3", "#78a9d5", "#4b8cc7", "#1d70b8", "#144e81"][
                level.value - 1
            ],
            "text": "#0b0c0c" if level.value <= 3 else "#ffffff",
        }
        for i, level in enumerate(levels)
    ]
    width = len(items) * (box + gap) - gap
    svg = render_to_string(
        "reports/figures/scale.svg", {"items": items, "width": width, "height": 110}
    )
    alt = "The six-point scale, from highest to lowest: " + ", ".join(
        f"{level.value} {level.label}" for level in levels
    )
    return Figure(src=svg_data_uri(svg), alt=alt + ".", width_mm=170)
