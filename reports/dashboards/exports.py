"""Dashboard tables, and their downloads as CSV and XLSX for analysts (Power BI, Excel).

Every table a dashboard section shows is a `Table`, so what a person sees and what they
download are the same cells. A text cell that begins with `=`, `+`, `-` or `@` (or a tab or a
carriage return) is neutralised with a leading apostrophe, so a spreadsheet never runs it as a
formula; numbers stay numbers.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Cell:
    """One cell: its value (what downloads hold), and optionally a link and a CSS class."""

    value: Any
    href: str = ""
    css: str = ""
    text: str = ""  # what the page shows, when not the value itself

    @property
    def shown(self) -> str:
        if self.text:
            return self.text
        if self.value is None:
            return ""
        if isinstance(self.value, int):
            return f"{self.value:,}"
        return str(self.value)


@dataclass
class Table:
    key: str  # unique on the dashboard: "readings-by-area"
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    # Whether the first cell of each row heads the row (a label) rather than holds data.
    row_headers: bool = True
    # Where its downloads are: set by the dashboard view once the section is built.
    download_csv: str = ""
    download_xlsx: str = ""

    @property
    def html(self):
        from reports.dashboards.html import table_html

        return table_html(self)

    @property
    def download_html(self):
        from reports.dashboards.html import downloads_html

        return downloads_html(self)

    def add(self, *cells: Any) -> None:
        self.rows.append([c if isinstance(c, Cell) else Cell(c) for c in cells])


def neutralise(value: Any) -> Any:
    """Return a cell value a spreadsheet will show rather than run."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    return neutralise(str(value))


def table_csv(table: Table) -> bytes:
    """Return the table as UTF-8 CSV with a byte-order mark (so Excel reads “ and ’)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_plain(cell.value) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    """Return the table as a one-sheet workbook, header row in bold, every cell a value."""
    workbook = Workbook(write_only=True)
    title = SHEET_NAME_BAD.sub(" ", table.title)[:31] or "Table"
    sheet = workbook.create_sheet(title=title)
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=neutralise(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        cells = []
        for item in row:
            value = _plain(item.value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
