"""Reminders: recipients with preferences, the learning track the reminder kinds read, and
UTC moments (the sweeps are tested at exact instants)."""

from datetime import UTC, datetime

from reminders.models import ReminderPreference
from tests.factories.accounts import verified_user
from tests.factories.quizzes import QuizFactory, build_deck
from tests.factories.tracks import build_track
from tracks.models import Track


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def learner_in(zone: str, *, hour: int = 8, email: str | None = None, **preference):
    """A verified learner whose reminders come in `zone` at `hour`."""
    user = verified_user(email or f"{zone.replace('/', '-').lower()}-{hour}@test.example")
    ReminderPreference.objects.create(user=user, time_zone=zone, hour=hour, **preference)
    return user


def learning_track(**fields) -> Track:
    """A published track of two phases of two key actions; the first of each needs evidence;
    the first phase has a quiz and a deck of 12 cards."""
    track = build_track(phases=2, actions_per_phase=2, **fields)
    first = track.phases.get(order=1)
    for phase in track.phases.all():
        phase.key_actions.filter(order=1).update(needs_evidence=True)
    QuizFactory(phase=first)
    build_deck(cards=12, phase=first)
    return track
