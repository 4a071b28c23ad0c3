"""Dashboard tables as HTML, built in Python: a national dashboard has thousands of cells, and
rendering them through template loops costs more than every query on the page."""

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from reports.dashboards.exports import Cell, Table

TAGS = {"app-late": "govuk-tag govuk-tag--red", "app-due": "govuk-tag govuk-tag--yellow"}


def cell_html(cell: Cell) -> str:
    shown = conditional_escape(cell.shown)
    if cell.href:
        return f'<a class="govuk-link" href="{conditional_escape(cell.href)}">{shown}</a>'
    if cell.css in TAGS:
        return f'<strong class="{TAGS[cell.css]}">{shown}</strong>'
    return str(shown)


def table_html(table: Table) -> SafeString:
    """Return the table as GOV.UK table markup (caption, column headers, row headers)."""
    head = "".join(
        f'<th scope="col" class="govuk-table__header">{conditional_escape(c)}</th>'
        for c in table.columns
    )
    rows = []
    for row in table.rows:
        cells = []
        for i, cell in enumerate(row):
            if i == 0 and table.row_headers:
                cells.append(f'<th scope="row" class="govuk-table__header">{cell_html(cell)}</th>')
            else:
                cells.append(f'<td class="govuk-table__cell">{cell_html(cell)}</td>')
        rows.append(f'<tr class="govuk-table__row">{"".join(cells)}</tr>')
    if not rows:
        rows.append(
            f'<tr class="govuk-table__row"><td class="govuk-table__cell" '
            f'colspan="{len(table.columns)}">Nothing in the filters chosen.</td></tr>'
        )
    opening = format_html(
        '<table class="govuk-table govuk-table--small-text-until-tablet" id="table-{}" '
        'data-testid="table-{}"><caption class="govuk-table__caption '
        'govuk-table__caption--s">{}</caption>',
        table.key,
        table.key,
        table.title,
    )
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'{opening}<thead class="govuk-table__head"><tr class="govuk-table__row">{head}</tr>'
        f'</thead><tbody class="govuk-table__body">{"".join(rows)}</tbody></table>'
        f"{downloads_html(table)}"
    )


def downloads_html(table: Table) -> SafeString:
    """Return the table's download links (CSV and XLSX), each naming the table for a screen
    reader; nothing when the view has not set them."""
    if not table.download_csv:
        return mark_safe("")
    return format_html(
        '<p class="govuk-body-s">Download “{title}”: <a class="govuk-link" href="{csv}" '
        'download>CSV<span class="govuk-visually-hidden"> file of {title}</span></a> or '
        '<a class="govuk-link" href="{xlsx}" download>Excel (XLSX)<span '
        'class="govuk-visually-hidden"> file of {title}</span></a></p>',
        title=table.title,
        csv=table.download_csv,
        xlsx=table.download_xlsx,
    )


def heatmap_html(table: Table, rows: list[dict]) -> SafeString:
    """Return the grades heat map: each grade a coloured square with its number, and for a
    screen reader the grade in words; an em dash where the authority was not inspected."""
    head = "".join(
        f'<th scope="col" class="govuk-table__header">{conditional_escape(c)}</th>'
        for c in table.columns
    )
    body = []
    for row in rows:
        cells = [
            f'<th scope="row" class="govuk-table__header">{conditional_escape(row["name"])}</th>'
        ]
        for cell in row["cells"]:
            if not cell:
                cells.append(
                    '<td class="govuk-table__cell"><span aria-hidden="true">–</span>'
                    '<span class="govuk-visually-hidden">not inspected</span></td>'
                )
                continue
            cells.append(
                format_html(
                    '<td class="govuk-table__cell"><a class="govuk-link" href="{href}">'
                    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="24" '
                    'viewBox="0 0 32 24" aria-hidden="true" focusable="false">'
                    '<rect width="32" height="24" fill="{fill}"/><text x="16" y="17" '
                    'text-anchor="middle" font-size="14" fill="{ink}">{grade}</text></svg>'
                    '<span class="govuk-visually-hidden">{grade} {word}, evaluations of this '
                    "inspection</span></a></td>",
                    **cell,
                )
            )
        body.append(f'<tr class="govuk-table__row">{"".join(cells)}</tr>')
    opening = format_html(
        '<table class="govuk-table govuk-table--small-text-until-tablet" data-testid="table-{}">'
        '<caption class="govuk-table__caption govuk-table__caption--s">{}</caption>',
        table.key,
        table.title,
    )
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'{opening}<thead class="govuk-table__head"><tr class="govuk-table__row">{head}</tr>'
        f'</thead><tbody class="govuk-table__body">{"".join(body)}</tbody></table>'
        f"{downloads_html(table)}"
    )
