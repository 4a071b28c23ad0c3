"""The one safe renderer for narrative text people type."""

from core.text import render_narrative


def test_paragraphs_headings_and_lists():
    html = render_narrative("## Strengths\n\nStaff were skilled.\n\n- one\n- two\n\n1. first")
    assert '<h3 class="govuk-heading-m">Strengths</h3>' in html
    assert '<p class="govuk-body">Staff were skilled.</p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert "<li>two</li>" in html
    assert '<ol class="govuk-list govuk-list--number">' in html


def test_html_and_script_are_shown_as_text():
    html = render_narrative('<script>alert("x")</script> <img src=x onerror=alert(1)>')
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html


def test_links_and_images_are_never_made():
    html = render_narrative("[a](http://127.0.0.1/) ![b](file:///etc/passwd) <http://x.test>")
    assert "<a " not in html
    assert "<img" not in html
    assert "[a](http://127.0.0.1/)" in html


def test_empty_text_renders_nothing():
    assert render_narrative("") == ""
    assert render_narrative(None) == ""
    assert render_narrative("   \n ") == ""
