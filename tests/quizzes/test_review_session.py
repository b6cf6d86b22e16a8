"""The end of a flashcard review session: how many cards were rated in it and how, when the
next card is due in the learner's words and time, and the way back to the gate."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from quizzes import selectors, services
from quizzes.models import CardState
from tests.factories import build_deck
from tests.pages import says_utc

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def rate(client, card, rating, since):
    state = CardState.objects.filter(card=card).first()
    return client.post(
        reverse("quizzes:rate", args=[card.pk]),
        {"rating": rating, "reps": state.reps if state else 0, "since": since},
        headers={"HX-Request": "true"},
    )


def session_start(html):
    return re.search(r'name="since" value="(\d+)"', html).group(1)


def test_the_session_ends_on_a_summary_of_its_own_reviews(client, learner):
    deck = build_deck(cards=3)
    services.study_deck(learner=learner, deck=deck)
    earlier, *cards = deck.cards.order_by("order")
    with time_machine.travel(T0 - timedelta(hours=2), tick=False):
        # A review of an earlier session is not counted in this one.
        services.review_card(learner=learner, card=earlier, rating=4, expected_reps=0)
    client.force_login(learner)
    with time_machine.travel(T0, tick=False):
        since = session_start(client.get(reverse("quizzes:review")).text)
        rate(client, cards[0], 3, since)
        html = rate(client, cards[1], 2, since).text
    assert "This session" in html
    assert "You reviewed <strong>2 cards</strong>" in html
    for count, label in ((0, "Again"), (1, "Hard"), (1, "Good"), (0, "Easy")):
        assert f"<li><strong>{count}</strong> {label}</li>" in html
    assert f'href="{reverse("home")}#gate">Back to your plan and its gate</a>' in html


def test_the_count_comes_from_review_rows_not_from_the_browser(client, learner):
    deck = build_deck(cards=1)
    services.study_deck(learner=learner, deck=deck)
    card = deck.cards.get()
    client.force_login(learner)
    with time_machine.travel(T0, tick=False):
        services.review_card(learner=learner, card=card, rating=3, expected_reps=0)
    with time_machine.travel(T0 + timedelta(hours=13), tick=False):
        # A session start from days ago counts at most 12 hours back; a count sent along
        # with the rating is ignored.
        forged = str(int((T0 - timedelta(days=3)).timestamp()))
        state = CardState.objects.get(card=card)
        html = client.post(
            reverse("quizzes:rate", args=[card.pk]),
            {"rating": 3, "reps": state.reps, "since": forged, "reviewed": "99"},
            headers={"HX-Request": "true"},
        ).text
    assert "You reviewed <strong>1 card</strong>" in html


def test_the_next_card_is_due_in_words_in_the_learners_time_never_in_0_minutes():
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    with timezone.override(PARIS):
        words = selectors.due_in_words
        assert words(now + timedelta(seconds=20), now=now) == "in 1 min, at 09:00"
        assert words(now + timedelta(minutes=10), now=now) == "in 10 min, at 09:10"
        assert words(now + timedelta(hours=3, minutes=5), now=now) == "in 3 h 5 min, today at 12:05"
        assert words(now + timedelta(days=1), now=now) == "tomorrow at 09:00"
        assert words(now + timedelta(days=4), now=now) == "on Friday at 09:00"
        assert words(now + timedelta(days=9), now=now) == "on Wednesday 11 Mar at 09:00"


def test_the_summary_says_when_the_next_card_is_due_in_local_time(client, learner):
    from reminders.models import ReminderPreference

    ReminderPreference.objects.update_or_create(
        user=learner, defaults={"time_zone": "Europe/Paris"}
    )
    deck = build_deck(cards=1)
    services.study_deck(learner=learner, deck=deck)
    client.force_login(learner)
    with time_machine.travel(T0, tick=False):  # 10:00 in Paris
        since = session_start(client.get(reverse("quizzes:review")).text)
        html = rate(client, deck.cards.get(), 3, since).text  # Good: ten minutes
    assert "All caught up" in html
    assert "Your next card is due <time" in html and "in 10 min, at 10:10</time>" in html
    assert "in 0 min" not in html and not says_utc(html)


def test_a_page_opened_with_nothing_rated_shows_no_summary(client, learner):
    client.force_login(learner)
    html = client.get(reverse("quizzes:review")).text
    assert "No cards to review" in html and "This session" not in html


def test_rating_without_javascript_keeps_the_session(client, learner):
    deck = build_deck(cards=1)
    services.study_deck(learner=learner, deck=deck)
    client.force_login(learner)
    with time_machine.travel(T0, tick=False):
        since = session_start(client.get(reverse("quizzes:review")).text)
        card = deck.cards.get()
        response = client.post(
            reverse("quizzes:rate", args=[card.pk]), {"rating": 3, "reps": 0, "since": since}
        )
        assert response.url == f"{reverse('quizzes:review')}?since={since}"
        assert "You reviewed <strong>1 card</strong>" in client.get(response.url).text


def test_the_end_of_a_session_has_a_query_budget(client, learner, django_assert_max_num_queries):
    deck = build_deck(cards=2)
    services.study_deck(learner=learner, deck=deck)
    for card in deck.cards.all():
        services.review_card(learner=learner, card=card, rating=3, expected_reps=0)
    client.force_login(learner)
    an_hour_ago = int((timezone.now() - timedelta(hours=1)).timestamp())
    url = f"{reverse('quizzes:review')}?since={an_hour_ago}"
    # session, user, today's reviews, due counts, new count, the next due, the session's
    # reviews, the bell
    with django_assert_max_num_queries(8):
        html = client.get(url).text
    assert "You reviewed <strong>2 cards</strong>" in html
