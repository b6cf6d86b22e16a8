"""`{% load edirae_markdown %}` then `{{ text|markdown }}`: user Markdown, sanitized."""

from django import template
from django.utils.safestring import SafeString

from edirae.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    return render_markdown(text)
