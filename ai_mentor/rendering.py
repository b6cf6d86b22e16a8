"""A conversation's messages as HTML, each rendered once.

A message never changes once written (the mentor's answer, its citations and notice are
stored with it), so its HTML is kept in the shared cache under its id and a digest of the
message template: a page showing twenty messages reads them in one cache round trip instead
of rendering twenty Markdown bodies and citation lists. A new template (a deploy) has a new
digest, so older HTML is never served with it. The one marked as the latest answer (the
panel after a question, which scrolls to it) is rendered afresh and not kept.
"""

import hashlib
from functools import cache as once

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from ai_mentor.models import MentorMessage

MESSAGE_TEMPLATE = "ai_mentor/_message.html"
KEEP_SECONDS = 7 * 24 * 3600


@once
def _template_digest() -> str:
    source = get_template(MESSAGE_TEMPLATE).template.source
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()


def messages_html(
    messages: list[MentorMessage], *, latest_answer: bool = False
) -> list[tuple[MentorMessage, SafeString]]:
    """Each message with its HTML (`ai_mentor/_message.html`), in order; with
    `latest_answer`, the last one carries the anchor the panel scrolls to."""
    digest = _template_digest()
    keys = {m.pk: f"ai-message:{digest}:{m.pk}" for m in messages}
    kept = cache.get_many(list(keys.values())) if messages else {}
    rendered: list[tuple[MentorMessage, SafeString]] = []
    new: dict[str, str] = {}
    for i, message in enumerate(messages):
        if latest_answer and i == len(messages) - 1:
            html = render_to_string(MESSAGE_TEMPLATE, {"m": message, "latest": True})
        elif (html := kept.get(keys[message.pk])) is None:
            html = new[keys[message.pk]] = render_to_string(MESSAGE_TEMPLATE, {"m": message})
        rendered.append((message, mark_safe(html)))  # our template rendered it, escaping
    if new:
        cache.set_many(new, KEEP_SECONDS)
    return rendered
