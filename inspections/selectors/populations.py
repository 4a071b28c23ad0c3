"""Reads for inspections: populations, their breakdowns and the templates to fill in."""

import csv
import io
from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet

from inspections.models import Population, PopulationRecord, ScrutinyActivity
from inspections.population_schemas import ColumnType, PopulationSchema, get_schema

__all__ = [
    "PopulationSummary",
    "population_of",
    "population_records",
    "population_summary",
    "population_template_csv",
    "population_template_xlsx",
]

NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class PopulationSummary:
    population: Population
    schema: PopulationSchema
    by_order_type: list[tuple[str, int]]
    by_team: list[tuple[str, int]]


def population_of(*, activity: ScrutinyActivity) -> Population | None:
    return (
        Population.objects.filter(activity=activity)
        .select_related("uploaded_by", "source_file")
        .first()
    )


def _breakdown(population: Population, key: str) -> list[tuple[str, int]]:
    counts = Counter(
        value or NOT_RECORDED
        for value in population.records.values_list(f"data__{key}", flat=True).order_by()
    )
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def population_summary(*, population: Population) -> PopulationSummary:
    """Return the count and breakdowns by order type and by team (two queries)."""
    return PopulationSummary(
        population=population,
        schema=get_schema(population.schema),
        by_order_type=_breakdown(population, "order_type"),
        by_team=_breakdown(population, "team"),
    )


def population_records(*, population: Population) -> QuerySet[PopulationRecord]:
    return population.records.order_by("row_number")


def population_template_csv(*, schema: PopulationSchema) -> bytes:
    """Return a CSV with the header row only (an example row would be imported by mistake)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([c.label for c in schema.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def population_template_xlsx(*, schema: PopulationSchema) -> bytes:
    """Return a workbook: a data sheet with headers and drop-down lists, and a guidance sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Population"
    lists = workbook.create_sheet("Lists")
    guide = workbook.create_sheet("How to fill this in")
    sheet.append([c.label for c in schema.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    list_column = 0
    for index, column in enumerate(schema.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(column.label) + 4)
        target = f"{letter}2:{letter}100000"
        if column.type == ColumnType.CHOICE:
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.label)
            for row, choice in enumerate(column.choices, start=2):
                lists.cell(row=row, column=list_column, value=choice.label)
            end = len(column.choices) + 1
            validation = DataValidation(
                type="list",
                formula1=f"Lists!${list_letter}$2:${list_letter}${end}",
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle=column.label,
                error=f"Choose a {column.label.lower()} from the list.",
            )
        elif column.type == ColumnType.INTEGER and column.minimum is not None:
            validation = DataValidation(
                type="whole",
                operator="between",
                formula1=str(column.minimum),
                formula2=str(column.maximum),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.label,
                error=f"Enter a whole number from {column.minimum} to {column.maximum}.",
            )
        else:
            continue
        sheet.add_data_validation(validation)
        validation.add(target)
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 100
    guide.append(["How to fill this in"])
    guide["A1"].font = Font(bold=True, size=14)
    for line in schema.guidance:
        guide.append(["", line])
    guide.append([])
    guide.append(["Column", "What to enter"])
    for cell in guide[guide.max_row]:
        cell.font = Font(bold=True)
    for column in schema.columns:
        needed = "Required. " if column.required else ""
        allowed = ""
        if column.choices:
            allowed = " Values: " + "; ".join(c.label for c in column.choices) + "."
        guide.append([column.label, f"{needed}{column.help}{allowed}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
