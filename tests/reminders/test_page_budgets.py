"""The reminder preferences page has a query budget that does not grow with the learner's
history (attempts, card reviews, notifications, opt-outs)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reminders.kinds import registry
from reminders.models import KindOptOut, Notification
from reminders.notifications import notifications_changed
from tests.factories import AttemptFactory, card_reviews, enroll, learning_track

pytestmark = pytest.mark.django_db


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_preferences_page_has_a_budget_whatever_the_history(
    client, learner, django_assert_max_num_queries
):
    track = learning_track()
    enroll(learner, track)  # no preference saved: the goals' zone is read (a second query)
    client.force_login(learner)
    url = reverse("reminders:preferences")
    count(client, url)  # a first read warms what is cached per process
    notifications_changed(user_ids=[learner.pk])  # both reads count the bell afresh
    short = count(client, url)

    now = timezone.now()
    phase = track.phases.get(order=1)
    for n in range(12):
        AttemptFactory(learner=learner, quiz=phase.quiz, started_at=now - timedelta(hours=n))
    card_reviews(learner, phase.deck, count=12, at=now - timedelta(days=1))
    Notification.objects.bulk_create(
        Notification(user=learner, kind="x", title=f"Note {n}", created_at=now) for n in range(12)
    )
    notifications_changed(user_ids=[learner.pk])  # as delivery does
    KindOptOut.objects.bulk_create(KindOptOut(user=learner, kind=k.key) for k in registry.all())

    # session, user, bell; the preference, the goals' time zone, the opted-out kinds
    with django_assert_max_num_queries(6):
        long = count(client, url)
    assert long == short
