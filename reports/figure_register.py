"""Figure registers: every figure a document prints, with what it means and what is behind it.

`ComputedFigure` is what a selector computing a document's figures returns; the services here
store a list of them as a FigureRegister (reports.models) and freeze it with a published
document.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ComputedFigure:
    code: str  # the figure's ID within its document, stable across renders, e.g. "1.1-Q12-good"
    section: str  # where it appears, e.g. "1.1 Improvements in people's lives"
    definition: str  # what is counted, e.g. "Court reports rated good or better, of those read"
    numerator: int
    denominator: int
    words: str  # the figure as printed, in the inspectorate's words
    records: tuple[tuple[int, str], ...] = ()  # (record id, pseudonymised reference) behind it
    records_url: str = ""  # the page listing those records while they exist
