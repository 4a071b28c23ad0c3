"""Template filter for typed narrative text (a builtin: no {% load %} needed)."""

from django import template

from core.text import render_narrative

register = template.Library()


@register.filter(name="narrative")
def narrative(value):
    """Render text a person typed: paragraphs, headings and bulleted lists; never raw HTML."""
    return render_narrative(value)
