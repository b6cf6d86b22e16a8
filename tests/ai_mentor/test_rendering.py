"""Each message of a conversation is rendered once and kept (ai_mentor.rendering): the
kept HTML is the fresh HTML, learner text stays escaped, and only the answer just given
carries the anchor the panel scrolls to."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
QUESTION = 'How do I package a model? <script>alert("x")</script>'


def conversation_html(html: str) -> str:
    """The conversation as shown, up to the question form (whose CSRF token changes)."""
    start = html.index('<div id="ai-conversation"')
    return html[start : html.index("<form", start)]


def test_kept_messages_show_as_rendered_escaped_and_anchored_once(client, learner, phase):
    client.force_login(learner)
    answered = client.post(
        reverse("ai_mentor:ask", args=[phase.track.slug, phase.slug]),
        {"question": QUESTION},
        headers=HTMX,
    ).text
    assert 'id="ai-latest-answer"' in answered  # the answer just given is the anchor
    phase_url = reverse("quizzes:phase", args=[phase.track.slug, phase.slug])
    first = client.get(phase_url).text  # the messages rendered, then kept
    second = client.get(phase_url).text  # the kept ones
    assert conversation_html(first) == conversation_html(second)
    assert "ai-latest-answer" not in second  # a plain visit scrolls nowhere
    assert "<script>alert" not in second and "&lt;script&gt;alert" in second
    assert len(re.findall(r'class="ai-message ai-message-(?:mentor|learner)"', second)) == 2
