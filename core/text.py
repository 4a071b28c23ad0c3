"""The one safe renderer for narrative text that people type into this product.

People type plain text. Blank lines separate paragraphs; a line starting with "## " (or "### ")
is a heading; lines starting with "- " or "* " make a bulleted list, "1. " a numbered list.
Text is stored as typed, never as HTML, and any HTML in it is shown as text. Pages and PDFs both
call `render_narrative`, so what a person sees on screen is what the report prints.

markdown-it-py's "zero" preset does the parsing with every rule off except the ones enabled below:
no raw HTML, no links, no images, no emphasis, so nothing typed can fetch a URL or run a script.
"""

from functools import cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# Headings typed by people sit inside a page that already has its own h1 and h2.
HEADING_SHIFT = {"h1": "h3", "h2": "h3", "h3": "h4", "h4": "h4", "h5": "h4", "h6": "h4"}


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    md.enable(["heading", "list", "paragraph", "newline"])

    def heading_open(renderer, tokens, idx, options, env):
        tag = HEADING_SHIFT[tokens[idx].tag]
        css = "govuk-heading-s" if tag == "h4" else "govuk-heading-m"
        return f'<{tag} class="{css}">'

    def heading_close(renderer, tokens, idx, options, env):
        return f"</{HEADING_SHIFT[tokens[idx].tag]}>\n"

    def paragraph_open(renderer, tokens, idx, options, env):
        if tokens[idx].hidden:
            return ""
        return '<p class="govuk-body">'

    def bullet_list_open(renderer, tokens, idx, options, env):
        return '<ul class="govuk-list govuk-list--bullet">\n'

    def ordered_list_open(renderer, tokens, idx, options, env):
        return '<ol class="govuk-list govuk-list--number">\n'

    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    md.add_render_rule("paragraph_open", paragraph_open)
    md.add_render_rule("bullet_list_open", bullet_list_open)
    md.add_render_rule("ordered_list_open", ordered_list_open)
    return md


def render_narrative(text: str | None) -> SafeString:
    """Return typed narrative text as safe HTML: paragraphs, headings and lists only."""
    if not text or not text.strip():
        return mark_safe("")  # noqa: S308
    # The "zero" preset escapes every character that is not markup it was told to parse.
    return mark_safe(_parser().render(text.replace("\r\n", "\n")))  # noqa: S308
