"""Markdown written by users, rendered to HTML that is safe to show to anyone.

Learner write-ups and mentor feedback are Markdown. We render with `markdown`, then clean the
HTML with `nh3` against an allow-list: raw HTML, scripts, event handlers, styles and
`javascript:` links never survive, and every link gets rel="nofollow noopener noreferrer".
Images are left out: the Content Security Policy would block remote ones anyway.
"""

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
    html = markdown_lib.markdown(text, extensions=EXTENSIONS, output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
    )
    return mark_safe(cleaned)
