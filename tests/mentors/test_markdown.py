"""Markdown from learners and mentors is rendered, and never runs script."""

import pytest

from edirae.markdown import render_markdown


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" onclick="alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
    ],
)
def test_script_in_markdown_is_never_rendered(text):
    html = render_markdown(text)
    for danger in ("<script", "onerror", "javascript:", "onclick", "<iframe", "style=", "<img"):
        assert danger not in html


def test_it_renders_markdown_with_safe_links():
    html = render_markdown("**Done**: see [repo](https://github.com/x/y)\n\n- a\n- b")
    assert "<strong>Done</strong>" in html
    assert '<a href="https://github.com/x/y" rel="nofollow noopener noreferrer">repo</a>' in html
    assert "<li>a</li>" in html


def test_code_blocks_show_html_as_text():
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;" in html and "<script>" not in html
