"""Flashcards: FSRS scheduling through the library, an append-only review log, daily caps,
a review session for the cards due now, retention figures, and per-learner privacy."""

from datetime import UTC, datetime, timedelta

import fsrs
import pytest
import time_machine
from django.urls import reverse

from quizzes import selectors, services
from quizzes.models import CardState, DeckStudy, ReviewLog
from tests.factories import TrackFactory, build_deck

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def deck(learner):
    deck = build_deck(cards=3)
    services.study_deck(learner=learner, deck=deck)
    return deck


def rate(client, card, rating, *, reps=None, htmx=False):
    if reps is None:
        state = CardState.objects.filter(card=card).first()
        reps = state.reps if state else 0
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        reverse("quizzes:rate", args=[card.pk]), {"rating": rating, "reps": reps}, headers=headers
    )


def test_scheduling_gives_the_librarys_intervals_with_fuzzing_off(learner, deck):
    card = deck.cards.first()
    library = fsrs.Scheduler(desired_retention=0.9, enable_fuzzing=False)
    expected = fsrs.Card(card_id=card.pk, due=T0)
    now = T0
    for rating in (3, 3, 3, 1, 3, 4):
        expected, _ = library.review_card(expected, fsrs.Rating(rating), review_datetime=now)
        state = CardState.objects.filter(card=card).first()
        services.review_card(
            learner=learner,
            card=card,
            rating=rating,
            expected_reps=state.reps if state else 0,
            now=now,
        )
        state = CardState.objects.get(card=card)
        assert state.due == expected.due
        assert state.stability == pytest.approx(expected.stability)
        assert state.difficulty == pytest.approx(expected.difficulty)
        assert (state.state, state.step) == (expected.state.value, expected.step)
        now = expected.due
    assert state.reps == 6 and state.lapses == 1
    # Good on a new card: the 10-minute learning step of the library's defaults.
    first = ReviewLog.objects.filter(card=card).order_by("id").first()
    assert first.due_after - first.reviewed_at == timedelta(minutes=10)


def test_fuzzing_is_on_outside_the_tests(settings):
    from importlib import reload

    import edirae.settings as project_settings

    assert reload(project_settings).FSRS_ENABLE_FUZZING is True
    settings.FSRS_ENABLE_FUZZING = True
    assert services.scheduler().enable_fuzzing is True


def test_every_review_is_logged_and_the_log_is_append_only(learner, deck):
    card = deck.cards.first()
    services.review_card(learner=learner, card=card, rating=1, expected_reps=0, now=T0)
    services.review_card(
        learner=learner, card=card, rating=3, expected_reps=1, now=T0 + timedelta(minutes=2)
    )
    logs = list(ReviewLog.objects.filter(learner=learner).order_by("id"))
    assert [(log.rating, log.state_before) for log in logs] == [(1, None), (3, 1)]


def test_a_doubled_rating_reviews_the_card_once(client, learner, deck):
    card = deck.cards.first()
    client.force_login(learner)
    rate(client, card, 3, reps=0)
    rate(client, card, 1, reps=0)  # the same POST sent again, from a second tab
    assert ReviewLog.objects.count() == 1
    assert CardState.objects.get().reps == 1


def test_the_review_session_shows_due_cards_and_rates_them_with_htmx(client, learner, deck):
    client.force_login(learner)
    page = client.get(reverse("quizzes:review")).text
    first = deck.cards.order_by("order").first()
    assert first.front in page and "3</span> due now" in page
    assert "Again <kbd>1</kbd><span>I did not recall it</span>" in page
    assert "flashcards.js" in page

    response = rate(client, first, 3, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="review-card"')
    second = deck.cards.order_by("order")[1]
    assert second.front in response.text and first.front not in response.text


def test_a_card_rated_again_comes_back_in_the_same_session(client, learner):
    deck = build_deck(cards=1)
    services.study_deck(learner=learner, deck=deck)
    card = deck.cards.get()
    client.force_login(learner)
    with time_machine.travel(T0, tick=False):
        rate(client, card, 1)
        page = client.get(reverse("quizzes:review")).text
        assert "All caught up" in page and 'datetime="2026-03-02T09:01:00+00:00"' in page
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert card.front in client.get(reverse("quizzes:review")).text


def test_the_daily_cap_on_new_cards_holds(client, settings, learner):
    settings.FLASHCARDS_NEW_PER_DAY = 2
    deck = build_deck(cards=5)
    services.study_deck(learner=learner, deck=deck)
    client.force_login(learner)
    with time_machine.travel(T0, tick=False):
        assert selectors.review_queue(learner=learner).due_now == 2
        for card in deck.cards.order_by("order")[:2]:
            rate(client, card, 4)
        # A crafted POST for a third new card changes nothing beyond the cap either way:
        queue = selectors.review_queue(learner=learner)
        assert (queue.due_now, queue.card) == (0, None)
        page = client.get(reverse("quizzes:review")).text
        assert "enough for today" in page and "3 more cards wait for tomorrow" in page
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        assert selectors.review_queue(learner=learner).new_left_today == 2


def test_the_daily_cap_on_reviews_holds_after_a_break(settings, learner):
    settings.FLASHCARDS_REVIEWS_PER_DAY = 3
    deck = build_deck(cards=6)
    services.study_deck(learner=learner, deck=deck)
    for card in deck.cards.all():
        services.review_card(learner=learner, card=card, rating=4, expected_reps=0, now=T0)
    assert set(CardState.objects.values_list("state", flat=True)) == {CardState.State.REVIEW}
    back = T0 + timedelta(days=120)
    queue = selectors.review_queue(learner=learner, now=back)
    assert queue.due_now == 3
    for _ in range(3):
        queue = selectors.review_queue(learner=learner, now=back)
        services.review_card(
            learner=learner, card=queue.card, rating=3, expected_reps=queue.reps, now=back
        )
        back += timedelta(minutes=1)
    queue = selectors.review_queue(learner=learner, now=back)
    assert (queue.due_now, queue.card) == (0, None)


def test_only_the_decks_a_learner_studies_enter_their_session(learner):
    build_deck(cards=4)
    assert selectors.due_count(learner=learner) == 0
    deck = build_deck(cards=2)
    services.study_deck(learner=learner, deck=deck)
    services.study_deck(learner=learner, deck=deck)
    assert DeckStudy.objects.count() == 1
    assert selectors.due_count(learner=learner) == 2


def test_retention_is_the_share_of_reviews_recalled(learner, deck):
    cards = list(deck.cards.all())
    for card in cards:
        services.review_card(learner=learner, card=card, rating=3, expected_reps=0, now=T0)
    later = T0 + timedelta(minutes=15)
    for card, rating in zip(cards, (3, 1, 2), strict=True):
        services.review_card(learner=learner, card=card, rating=rating, expected_reps=1, now=later)
    retention = selectors.deck_retention(learner=learner, deck=deck)
    # First sights are not recalls: 3 reviews after them, 2 recalled (Hard counts as recalled).
    assert (retention.reviews, retention.recalled, retention.percent) == (3, 2, 66)


def test_a_stranger_cannot_rate_cards_of_a_deck_they_do_not_study(client, learner, stranger, deck):
    card = deck.cards.first()
    client.force_login(stranger)
    assert rate(client, card, 3, reps=0).status_code == 404
    assert not ReviewLog.objects.exists()
    services.study_deck(learner=stranger, deck=deck)
    rate(client, card, 1, reps=0)
    # The stranger's review is theirs: the learner's card is still new to them.
    assert CardState.objects.get().learner == stranger
    assert selectors.review_queue(learner=learner).is_new


def test_cards_of_draft_tracks_cannot_be_studied(client, learner):
    deck = build_deck(cards=1, phase__track=TrackFactory(status="draft"))
    client.force_login(learner)
    assert client.post(reverse("quizzes:study", args=[deck.pk])).status_code == 404


def test_a_bad_rating_is_refused_with_a_message(client, learner, deck):
    client.force_login(learner)
    response = client.post(
        reverse("quizzes:rate", args=[deck.cards.first().pk]),
        {"rating": "9", "reps": "0"},
        follow=True,
    )
    assert "Choose how well you recalled the card" in response.text
    assert not ReviewLog.objects.exists()


def test_the_review_page_has_a_query_budget_whatever_the_number_of_cards(
    client, learner, django_assert_max_num_queries
):
    for _ in range(3):
        deck = build_deck(cards=10)
        services.study_deck(learner=learner, deck=deck)
        for card in deck.cards.all()[:5]:
            services.review_card(learner=learner, card=card, rating=1, expected_reps=0)
    client.force_login(learner)
    # session, user, today's reviews, due counts, new count, a due card, else a new card, the bell
    with django_assert_max_num_queries(8):
        client.get(reverse("quizzes:review"))


# --- By the schedule ------------------------------------------------------------------------


def test_rating_a_card_that_is_not_due_is_refused_and_changes_nothing(client, learner, deck):
    card = deck.cards.first()
    services.review_card(learner=learner, card=card, rating=4, expected_reps=0, now=T0)
    state = CardState.objects.get(card=card)
    assert state.due > T0 + timedelta(days=7), "Easy on a new card: due in weeks"
    with pytest.raises(services.LearningRefused, match="not due until"):
        services.review_card(
            learner=learner, card=card, rating=4, expected_reps=1, now=T0 + timedelta(days=1)
        )
    client.force_login(learner)
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        page = rate(client, card, 4, htmx=True).text
    assert "This card is not due until" in page
    assert ReviewLog.objects.filter(card=card).count() == 1
    assert CardState.objects.get(card=card).due == state.due
    # At its due date it is rated as usual.
    services.review_card(learner=learner, card=card, rating=3, expected_reps=1, now=state.due)
    assert ReviewLog.objects.filter(card=card).count() == 2


def test_the_new_card_cap_holds_at_rating_time_not_only_in_the_queue(client, settings, learner):
    settings.FLASHCARDS_NEW_PER_DAY = 20
    deck = build_deck(cards=40)
    services.study_deck(learner=learner, deck=deck)
    client.force_login(learner)
    with time_machine.travel(T0, tick=False):
        # Crafted POSTs for every card of the deck, bypassing what the queue offers.
        for card in deck.cards.all():
            rate(client, card, 4, reps=0)
        assert ReviewLog.objects.filter(state_before__isnull=True).count() == 20
        page = rate(client, deck.cards.order_by("order").last(), 4, reps=0, htmx=True).text
    assert "You have started 20 new cards today, the daily limit" in page
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        rate(client, deck.cards.order_by("order").last(), 4, reps=0)
    assert ReviewLog.objects.filter(state_before__isnull=True).count() == 21


def test_studying_a_deck_says_how_many_new_cards_start_today(client, settings, learner):
    settings.FLASHCARDS_NEW_PER_DAY = 5
    deck = build_deck(cards=8)
    client.force_login(learner)
    page = client.post(reverse("quizzes:study", args=[deck.pk]), follow=True).text
    assert "5 of its 8 new cards start today" in page
    assert "at most 5 new cards a day across your decks" in page
    assert selectors.review_queue(learner=learner).due_now == 5
