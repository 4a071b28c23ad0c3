"""Template tags for the inspection report: typed text with figures inserted from the statistics.

`{% report_text text figures %}` renders typed text through the one narrative renderer and
replaces each `[[figure:<code>]]` token with the figure's words, escaped
(inspections.services.report.render_with_figures). `trace=True` also says where each figure
comes from (the preview page).
"""

from django import template

from inspections.services.report import render_with_figures

register = template.Library()


@register.simple_tag
def report_text(text, figures, trace=False):
    return render_with_figures(text, figures or {}, trace=bool(trace))


@register.filter
def lookup(mapping, key):
    """Return mapping[key], or None: `{{ figures|lookup:code }}`."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
