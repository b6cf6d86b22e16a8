"""Authored plain text shown as paragraphs.

Track files wrap long texts over several lines; a single newline is just wrapping, a blank
line starts a new paragraph. (Django's `linebreaks` would turn every wrap into a <br>.)
"""

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def paragraphs(text: str) -> SafeString:
    blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text or "")]
    return format_html_join(
        "\n", "<p>{}</p>", ((block,) for block in blocks if block)
    ) or format_html("")
