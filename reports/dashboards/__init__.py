"""Managers' dashboards (issue 8): sections of figures over pre-aggregated summaries.

- `selectors`: scope (who sees which inspections) and filters;
- `measures`: the record-reading measures and cross-tabs, tied to question codes;
- `summaries`: pre-aggregated counts per activity and their refresh (ADR 0009);
- `sections/`: one module per dashboard section (programme, grades, record reading);
- `exports`: tables and their CSV/XLSX downloads with formula neutralisation;
- `charts`: accessible inline SVG; `records`: the records behind a figure; `views`, `urls`.
"""
