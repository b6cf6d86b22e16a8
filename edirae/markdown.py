"""Markdown written by users, rendered to HTML that is safe to show to anyone.

Learner write-ups and mentor feedback are Markdown. We render with `markdown`, then clean the
HTML with `nh3` against an allow-list: raw HTML, scripts, event handlers, styles and
`javascript:` links never survive, and every link gets rel="nofollow noopener noreferrer".
Images are left out: the Content Security Policy would block remote ones anyway.
"""

import functools
import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"
EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def render_markdown(text: str | None) -> SafeString:
    """HTML for `text`, sanitized with an allow-list. Pure: safe to call any number of times."""
    if not text:
        return mark_safe("")
    return mark_safe(_render(text))


# Pages render the same texts again and again (the AI mentor's latest messages on every
# answer, feedback on every visit): the HTML of a text never changes, so each process keeps
# the latest ones. Building a Markdown instance loads its extensions: one per thread, reset
# between texts.
_converters = threading.local()


@functools.lru_cache(maxsize=2048)
def _render(text: str) -> str:
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(
            extensions=EXTENSIONS, output_format="html"
        )
    html = converter.reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
    )
