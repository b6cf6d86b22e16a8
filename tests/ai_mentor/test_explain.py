"""Explain: the mentor panel on the phase page, answers cited from the track, the
conversation kept per learner and phase, deletable, private, and rate limited."""

import pytest
from django.urls import reverse

from ai_mentor import services
from ai_mentor.models import AIUsage, MentorConversation, MentorMessage
from tests.factories import QuizFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def ask_url(phase):
    return reverse("ai_mentor:ask", args=[phase.track.slug, phase.slug])


def phase_url(phase):
    return reverse("quizzes:phase", args=[phase.track.slug, phase.slug])


def test_the_phase_page_has_the_mentor_panel(client, learner, phase):
    client.force_login(learner)
    html = client.get(phase_url(phase)).text
    assert 'id="ai-mentor"' in html and "Ask the AI mentor" in html
    assert f'hx-post="{ask_url(phase)}"' in html
    assert "It cannot change your progress" in html


def test_asking_with_htmx_answers_with_citations_and_keeps_the_conversation(client, learner, phase):
    client.force_login(learner)
    response = client.post(
        ask_url(phase), {"question": "How do I deploy a model as a web service?"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<section id="ai-mentor"')
    assert "How do I deploy a model as a web service?" in html
    assert "From Phase 2 · Package a trained model with Docker" in html
    assert "Sources" in html
    conversation = MentorConversation.objects.get(learner=learner, phase=phase)
    roles = list(conversation.messages.values_list("role", flat=True))
    assert roles == ["learner", "mentor"]
    answer = conversation.messages.get(role="mentor")
    assert answer.backend == "local"
    assert answer.citations[0]["label"].startswith("Phase 2 · Package a trained model")
    assert AIUsage.objects.get().kind == "explain"


def test_a_second_question_continues_the_same_conversation(client, learner, phase):
    client.force_login(learner)
    client.post(ask_url(phase), {"question": "What does a Dockerfile describe?"}, headers=HTMX)
    html = client.post(ask_url(phase), {"question": "And the median?"}, headers=HTMX).text
    assert MentorConversation.objects.count() == 1
    assert MentorMessage.objects.count() == 4
    assert html.index("What does a Dockerfile describe?") < html.index("And the median?")


def test_it_says_plainly_when_the_track_does_not_cover_the_question(client, learner, phase):
    client.force_login(learner)
    html = client.post(
        ask_url(phase), {"question": "What is the weather in Paris tomorrow?"}, headers=HTMX
    ).text
    assert "I found nothing about this in the track" in html
    assert "Sources" not in html
    assert AIUsage.objects.get().outcome == "nothing_found"


def test_a_plain_post_redirects_back_to_the_page(client, learner, phase):
    client.force_login(learner)
    response = client.post(
        ask_url(phase), {"question": "What is a Dockerfile?", "next": phase_url(phase)}
    )
    assert response.status_code == 302
    assert response.url == phase_url(phase) + "#ai-mentor"
    assert "From Phase 2" in client.get(response.url).text


def test_next_cannot_send_the_learner_to_another_site(client, learner, phase):
    client.force_login(learner)
    response = client.post(
        ask_url(phase), {"question": "What is a Dockerfile?", "next": "https://evil.example/"}
    )
    assert response.url == phase_url(phase) + "#ai-mentor"


def test_an_empty_question_gets_a_clear_error_and_asks_nothing(client, learner, phase):
    client.force_login(learner)
    html = client.post(ask_url(phase), {"question": "  "}, headers=HTMX).text
    assert "Write a question first." in html
    assert not MentorMessage.objects.exists()
    assert not AIUsage.objects.exists()


def test_learner_text_is_escaped(client, learner, phase):
    client.force_login(learner)
    html = client.post(
        ask_url(phase), {"question": "<script>alert(1)</script> docker"}, headers=HTMX
    ).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_rate_limit_refuses_with_a_clear_message(client, learner, phase, settings):
    settings.EDIRAE_AI_REQUESTS_PER_HOUR = 2
    client.force_login(learner)
    for _ in range(2):
        client.post(ask_url(phase), {"question": "What is a Dockerfile?"}, headers=HTMX)
    html = client.post(ask_url(phase), {"question": "One more on Docker?"}, headers=HTMX).text
    assert "You have asked the AI mentor 2 times this hour, the most we allow" in html
    assert "You can ask again in" in html
    assert MentorMessage.objects.filter(role="learner").count() == 2
    assert AIUsage.objects.count() == 2


def test_the_rate_limit_is_per_user(learner, stranger, settings):
    settings.EDIRAE_AI_REQUESTS_PER_HOUR = 1
    services.check_rate(user=learner, now=7200.0)
    with pytest.raises(services.RateLimited):
        services.check_rate(user=learner, now=7200.0 + 60)
    services.check_rate(user=stranger, now=7200.0 + 60)  # not limited by the learner's count
    services.check_rate(user=learner, now=7200.0 + 3600)  # the next hour starts afresh


def test_a_learner_reads_their_conversation_but_a_stranger_gets_404(
    client, learner, stranger, phase
):
    message = services.ask(learner=learner, phase=phase, question="What is a Dockerfile?")
    url = reverse("ai_mentor:conversation", args=[message.conversation_id])
    client.force_login(learner)
    assert "What is a Dockerfile?" in client.get(url).text
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("ai_mentor:delete", args=[message.conversation_id])).status_code == 404
    )
    assert (
        client.post(reverse("ai_mentor:delete", args=[message.conversation_id])).status_code == 404
    )
    assert "What is a Dockerfile?" not in client.get(phase_url(phase)).text
    assert MentorConversation.objects.filter(pk=message.conversation_id).exists()


def test_a_learner_deletes_their_conversation_after_confirming(client, learner, phase):
    message = services.ask(learner=learner, phase=phase, question="What is a Dockerfile?")
    client.force_login(learner)
    assert "Delete this conversation" in client.get(phase_url(phase)).text
    delete_url = reverse("ai_mentor:delete", args=[message.conversation_id])
    confirm = client.get(delete_url)
    assert "Delete this conversation?" in confirm.text
    assert MentorConversation.objects.exists()  # a GET only asks
    response = client.post(delete_url, {"next": phase_url(phase)})
    assert response.url == phase_url(phase)
    assert not MentorConversation.objects.exists() and not MentorMessage.objects.exists()
    assert client.post(delete_url).status_code == 404  # twice: already gone


def test_the_quiz_result_page_has_the_panel_and_a_study_plan_link(client, learner, phase):
    from quizzes import services as quiz_services

    attempt = quiz_services.start_attempt(learner=learner, quiz=phase.quiz)
    quiz_services.grade_attempt(attempt=attempt)
    client.force_login(learner)
    html = client.get(reverse("quizzes:attempt", args=[attempt.pk])).text
    assert 'id="ai-mentor"' in html
    assert f'hx-get="{reverse("ai_mentor:feedback", args=[attempt.pk])}"' in html


def test_asking_about_a_phase_the_learner_may_not_open_is_404(client, learner):
    draft = QuizFactory(phase__track__status="draft").phase
    client.force_login(learner)
    assert client.post(ask_url(draft), {"question": "Docker?"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, phase):
    response = client.post(ask_url(phase), {"question": "Docker?"})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_asking_has_a_query_budget_whatever_the_length_of_the_conversation(
    client, learner, phase, django_assert_max_num_queries
):
    for i in range(6):
        services.ask(learner=learner, phase=phase, question=f"Docker question {i}?")
    client.force_login(learner)
    # session, user, phase, conversation, history, retrieval (one UNION of every source),
    # usage row, savepoint, conversation touch, two messages, release, the panel's messages
    # (the rate limit lives in the cache: no query)
    with django_assert_max_num_queries(13):
        client.post(ask_url(phase), {"question": "What is a Dockerfile?"}, headers=HTMX)


# --- A bounded conversation -----------------------------------------------------------------


def _talk(learner, phase, turns: int) -> MentorConversation:
    """A conversation of `turns` questions and answers, written in bulk."""
    conversation = MentorConversation.objects.create(learner=learner, phase=phase)
    MentorMessage.objects.bulk_create(
        MentorMessage(
            conversation=conversation,
            role="mentor" if i % 2 else "learner",
            text=f"Message number {i:05d} about Docker images and containers.",
        )
        for i in range(2 * turns)
    )
    return conversation


def _phase_page(client, phase):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        html = client.get(phase_url(phase)).text
    panel = html[html.index('<section id="ai-mentor"') :]
    return panel[: panel.index("</section>")], len(queries)


def test_the_panel_keeps_its_size_and_queries_whatever_the_length_of_the_conversation(
    client, learner, stranger, phase
):
    from ai_mentor.selectors import PANEL_MESSAGES

    client.force_login(learner)
    _phase_page(client, phase)  # the first view after a content change reads the content
    _, queries_at_0 = _phase_page(client, phase)
    _talk(learner, phase, PANEL_MESSAGES)  # 40 messages: the panel is full
    full, queries_at_40 = _phase_page(client, phase)
    MentorConversation.objects.all().delete()
    _talk(learner, phase, 500)  # 1,000 messages
    long, queries_at_1000 = _phase_page(client, phase)

    assert queries_at_0 == queries_at_40 == queries_at_1000
    assert long.count('class="ai-message ') == PANEL_MESSAGES
    assert abs(len(long) - len(full)) < 40  # the same page, but for the messages' numbers
    assert "Message number 00999" in long and "Message number 00979" not in long
    assert "Message number 00980" in long  # the latest twenty, oldest first
    assert long.index("00980") < long.index("00999")
    assert "Earlier messages" in long


def test_older_messages_are_a_page_away(client, learner, phase):
    conversation = _talk(learner, phase, 25)  # 50 messages
    client.force_login(learner)
    panel, _ = _phase_page(client, phase)
    oldest_shown = conversation.messages.order_by("id")[30]
    url = reverse("ai_mentor:conversation", args=[conversation.pk])
    assert f'href="{url}?before={oldest_shown.pk}"' in panel

    earlier = client.get(url, {"before": oldest_shown.pk}).text
    assert "Message number 00010" in earlier and "Message number 00029" in earlier
    assert "Message number 00030" not in earlier and "Message number 00009" not in earlier
    first_page = client.get(url, {"before": conversation.messages.order_by("id")[10].pk}).text
    assert "Message number 00000" in first_page
    assert "This is the start of the conversation." in first_page
    assert "Latest messages" in first_page


def test_a_bad_page_of_the_conversation_is_a_clear_400(client, learner, phase):
    conversation = _talk(learner, phase, 1)
    client.force_login(learner)
    url = reverse("ai_mentor:conversation", args=[conversation.pk])
    response = client.get(url, {"before": "drop table"})
    assert response.status_code == 400
    assert "must be the number of a message" in response.text


def test_the_new_answer_is_marked_for_scrolling_only_after_a_question(client, learner, phase):
    client.force_login(learner)
    html = client.post(ask_url(phase), {"question": "What is a Dockerfile?"}, headers=HTMX).text
    assert html.count("data-ai-latest") == 1
    assert 'id="ai-latest-answer"' in html
    assert "data-ai-latest" not in client.get(phase_url(phase)).text
    assert "style=" not in html and "<script" not in html  # the CSP stays strict
