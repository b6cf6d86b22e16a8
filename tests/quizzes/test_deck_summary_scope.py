"""The phase deck's summary reads the learner's own study rows, whoever else studies it."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes import selectors, services
from quizzes.models import CardState, DeckStudy, ReviewLog
from tests.factories import build_deck, verified_user

pytestmark = pytest.mark.django_db

STUDY_TABLES = {"quizzes_deckstudy", "quizzes_cardstate", "quizzes_reviewlog"}


@pytest.fixture
def crowded_deck(learner):
    """A deck of 6 cards that 25 other learners study, each with 6 card states and reviews;
    the learner studies it too: a card forgotten yesterday (due again), one known today."""
    deck = build_deck(cards=6)
    cards = list(deck.cards.all())
    now = timezone.now()
    for n in range(25):
        other = verified_user(f"other{n}@test.example")
        DeckStudy.objects.create(learner=other, deck=deck)
        for card in cards:
            CardState.objects.create(
                learner=other, card=card, state=2, stability=3, difficulty=5, due=now, reps=1
            )
            ReviewLog.objects.create(
                learner=other, card=card, rating=3, state_before=2, reviewed_at=now, due_after=now
            )
    services.study_deck(learner=learner, deck=deck)
    services.review_card(
        learner=learner, card=cards[0], rating=1, expected_reps=0, now=now - timedelta(days=1)
    )
    services.review_card(learner=learner, card=cards[1], rating=4, expected_reps=0, now=now)
    return deck


def rows_read(plan: dict) -> dict[str, int]:
    """Rows each study table's scans returned or filtered out, over a JSON plan's tree."""
    read: dict[str, int] = {}
    table = plan.get("Relation Name")
    if table in STUDY_TABLES:
        seen = plan["Actual Rows"] * plan["Actual Loops"] + plan.get("Rows Removed by Filter", 0)
        read[table] = read.get(table, 0) + seen
    for child in plan.get("Plans", []):
        for name, count in rows_read(child).items():
            read[name] = read.get(name, 0) + count
    return read


def test_the_summary_is_the_learner_s_own_with_many_others_studying(learner, crowded_deck):
    summary = selectors.deck_summary(learner=learner, phase=crowded_deck.phase)
    assert (summary.cards, summary.studying, summary.seen) == (6, True, 2)
    assert summary.due == 1  # yesterday's Again is due; today's Easy is not
    newcomer = verified_user("newcomer@test.example")
    fresh = selectors.deck_summary(learner=newcomer, phase=crowded_deck.phase)
    assert (fresh.cards, fresh.studying, fresh.seen, fresh.due) == (6, False, 0, 0)


def test_its_queries_read_only_the_learner_s_rows(learner, crowded_deck):
    phase = crowded_deck.phase
    selectors.deck_summary(learner=learner, phase=phase)  # the deck's size: once per content
    with CaptureQueriesContext(connection) as captured:
        selectors.deck_summary(learner=learner, phase=phase)
    assert len(captured) == 1  # the learner's study row, card states and retention
    read: dict[str, int] = {}
    with connection.cursor() as cursor:
        # Indexes as on a large table (the planner scans tiny test tables whole otherwise).
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for name, count in rows_read(plan[0]["Plan"]).items():
                read[name] = read.get(name, 0) + count
    # 1 study row; the learner's 2 card states (+ their card join) and 2 reviews, each read
    # by two subqueries (seen and due; reviews and recalled), the plan's filter rows
    # included: a dozen at most, never the 25 others' 150 rows of each table.
    assert read.get("quizzes_deckstudy", 0) <= 1
    assert read.get("quizzes_cardstate", 0) <= 12
    assert read.get("quizzes_reviewlog", 0) <= 12
