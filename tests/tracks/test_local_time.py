"""Local time everywhere: a learner (and a mentor) in Europe/Paris never reads a UTC time."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from edirae.local_time import user_time_zone
from mentors import services as evidence_services
from mentors.models import MentorProfile
from quizzes import services as quiz_services
from reminders.models import ReminderPreference
from tests.factories import enroll, verified_user
from tests.pages import says_utc

NOON_UTC = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 13:00 in Paris


@pytest.fixture
def paris(learner, small_track):
    enrollment = enroll(learner, small_track, time_zone="Europe/Paris")
    phase1 = small_track.phases.get(order=1)
    attempt = quiz_services.start_attempt(learner=learner, quiz=phase1.quiz, now=NOON_UTC)
    action = phase1.key_actions.filter(needs_evidence=True).first()
    submission = evidence_services.submit_evidence(
        learner=learner,
        key_action=action,
        evidence=evidence_services.Evidence(
            url="https://github.com/learner/project", writeup="What I built and why.", note=""
        ),
        now=NOON_UTC,
    )
    return enrollment, attempt, submission


def learner_pages(attempt, submission, phase):
    return [
        reverse("home"),
        reverse("quizzes:index"),
        reverse("quizzes:phase", args=[phase.track.slug, phase.slug]),
        reverse("quizzes:attempt", args=[attempt.pk]),
        reverse("quizzes:skills"),
        reverse("quizzes:review"),
        reverse("mentors:my_submissions"),
        reverse("mentors:submission", args=[submission.pk]),
        reverse("plan:settings"),
    ]


def test_no_learner_page_shows_utc_to_a_learner_in_paris(client, learner, paris, small_track):
    _, attempt, submission = paris
    client.force_login(learner)
    phase1 = small_track.phases.get(order=1)
    for url in learner_pages(attempt, submission, phase1):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not says_utc(response.content.decode()), url
    quiz_page = client.get(reverse("quizzes:phase", args=[small_track.slug, phase1.slug]))
    assert "20 Nov 2026, 13:00" in quiz_page.content.decode()  # the attempt, in Paris time
    sent = client.get(reverse("mentors:submission", args=[submission.pk])).content.decode()
    assert "Sent 20 Nov 2026, 13:00" in sent


def test_a_mentor_sees_the_same_moment_in_their_own_zone(client, paris, small_track):
    _, _, submission = paris
    mentor = verified_user("mentor@test.example")
    MentorProfile.objects.create(user=mentor).tracks.add(small_track)
    ReminderPreference.objects.create(user=mentor, time_zone="America/New_York")
    client.force_login(mentor)
    page = client.get(reverse("mentors:review", args=[submission.pk])).content.decode()
    assert not says_utc(page)
    assert "20 Nov 2026, 07:00" in page  # noon UTC is 7 a.m. in New York


def test_the_zone_follows_the_goals_and_a_chosen_reminder_zone_wins(learner, small_track):
    enroll(learner, small_track, time_zone="Asia/Tokyo")
    assert user_time_zone(user_id=learner.pk) == "Asia/Tokyo"
    ReminderPreference.objects.create(user=learner, time_zone="Europe/Lisbon")
    assert user_time_zone(user_id=learner.pk) == "Europe/Lisbon"  # the cache was forgotten


def test_a_stranger_without_goals_reads_utc(stranger):
    assert user_time_zone(user_id=stranger.pk) == "UTC"
