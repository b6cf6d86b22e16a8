"""Authored plain text shown as paragraphs, with code (docs/track-format.md, "Prose").

The convention: a paragraph is one line and a blank line separates paragraphs; a fenced
block (a line of three backticks, optionally with a language, then the code, then a line of
three backticks) is code, shown in a monospace block with its lines and indentation kept;
`inline code` between backticks is shown as code. Older files wrap paragraphs over several
lines: a single newline inside a paragraph is only wrapping, so it becomes a space (Django's
`linebreaks` would turn every wrap into a <br>). Everything is escaped: authored text never
becomes markup.
"""

import re
import textwrap

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OPEN_FENCE = re.compile(r"^\s*```\s*([\w+#.-]*)\s*$")
_CLOSE_FENCE = re.compile(r"^\s*```\s*$")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")


def _inline(text: str) -> SafeString:
    """One paragraph: escaped, with `code` spans."""
    parts = _INLINE_CODE.split(text)
    html = "".join(
        f"<code>{escape(part)}</code>" if i % 2 else escape(part) for i, part in enumerate(parts)
    )
    return mark_safe(html)  # every piece was escaped above


def _code_block(lines: list[str], language: str) -> SafeString:
    code = textwrap.dedent("\n".join(lines)).strip("\n")
    if language:
        return format_html('<pre><code class="language-{}">{}</code></pre>', language, code)
    return format_html("<pre><code>{}</code></pre>", code)


@register.filter
def paragraphs(text: str) -> SafeString:
    """Paragraphs as <p>, fenced code as <pre><code>, `code` as <code>; all escaped."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    blocks: list[SafeString] = []
    paragraph: list[str] = []

    def close_paragraph() -> None:
        if paragraph:
            blocks.append(format_html("<p>{}</p>", _inline(" ".join(paragraph))))
            paragraph.clear()

    i = 0
    while i < len(lines):
        fence = _OPEN_FENCE.match(lines[i])
        if fence:
            close_paragraph()
            code: list[str] = []
            i += 1
            while i < len(lines) and not _CLOSE_FENCE.match(lines[i]):
                code.append(lines[i])
                i += 1
            blocks.append(_code_block(code, fence.group(1)))
        elif lines[i].strip():
            paragraph.append(" ".join(lines[i].split()))
        else:
            close_paragraph()
        i += 1
    close_paragraph()
    return format_html_join("\n", "{}", ((block,) for block in blocks)) or format_html("")


register.filter("prose", paragraphs)


def hard_wrapped(text: str) -> bool:
    """True when a paragraph of `text` runs over several lines (the old, wrapped style),
    code blocks aside. `check_content` flags it; the prose convention is one line each."""
    inside_code = False
    previous = ""
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if _OPEN_FENCE.match(line) if not inside_code else _CLOSE_FENCE.match(line):
            inside_code = not inside_code
            previous = ""
            continue
        if inside_code:
            continue
        if line.strip() and previous.strip():
            return True
        previous = line
    return False
