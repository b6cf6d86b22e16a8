"""With a backing service gone, pages still answer: the cache (Redis) down, the broker
down, the SMTP server refusing. Each is a port nothing listens on (see faults.py)."""

import logging
from io import StringIO

import pytest
import redis
from django.core import mail
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.urls import reverse

from ai_mentor.models import MentorConversation
from mentors.models import Submission
from reminders import services as reminder_services
from reminders.models import Reminder
from tests.factories import PASSWORD, learner_in, utc
from tests.security.faults import CLOSED_CACHE, broker_down, cache_down, smtp_refusing

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# --- Cache down -----------------------------------------------------------------------------


def test_the_closed_port_really_is_down_for_a_plain_redis_cache():
    # The control: what every login POST met in the audit (a 500 from cache.add).
    plain = RedisCache(CLOSED_CACHE, {"OPTIONS": {"socket_connect_timeout": 0.25}})
    with pytest.raises(redis.exceptions.ConnectionError):
        plain.add("key", 1)


def test_with_the_cache_down_people_still_sign_in_sign_up_and_reset(
    client, world, settings, caplog
):
    cache_down(settings)
    learner = world.users["learner"]
    response = log_in(client, learner.email)
    assert response.status_code == 302 and response.url != reverse("account_login")
    assert client.get(reverse("plan:settings")).status_code == 200  # signed in
    client.logout()

    signup = client.post(
        reverse("account_signup"),
        {
            "email": "new@test.example",
            "password1": "a-long-new-pass",
            "password2": "a-long-new-pass",
        },
    )
    assert signup.status_code == 302
    reset = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert reset.status_code == 302
    assert any("Cache unreachable" in record.message for record in caplog.records)


def test_with_the_cache_down_failed_logins_are_still_limited_per_process(client, world, settings):
    cache_down(settings)
    learner = world.users["learner"]
    for _ in range(5):
        assert log_in(client, learner.email, "wrong-password").status_code == 200
    refused = log_in(client, learner.email)  # the right password, after 5 failures
    assert "Too many failed login attempts" in refused.text
    assert client.get(reverse("plan:settings")).status_code == 302  # not signed in


def test_with_the_cache_down_the_ai_mentor_answers_and_its_limit_holds(client, world, settings):
    cache_down(settings)
    settings.EDIRAE_AI_REQUESTS_PER_HOUR = 2
    client.force_login(world.users["learner"])
    url = reverse("ai_mentor:ask", args=[world.track.slug, world.phase.slug])
    for question in ("What is a gradient?", "What is a container?"):
        assert client.post(url, {"question": question}, headers=HTMX).status_code == 200
    refused = client.post(url, {"question": "And a third one?"}, headers=HTMX)
    assert refused.status_code == 200 and "2 times this hour" in refused.text
    conversation = MentorConversation.objects.get(learner=world.users["learner"])
    assert conversation.messages.filter(role="learner").count() == 3  # 2 plus the first

    answer = reverse("ai_mentor:practice-answer", args=[world.practice_question.pk])
    assert client.post(answer, {"answer": "42"}, headers=HTMX).status_code == 200
    feedback = reverse("ai_mentor:feedback", args=[world.attempt.pk])
    assert client.get(feedback, headers=HTMX).status_code == 200


# --- Broker down ----------------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch):
    """Every back-off sleep kombu asks for while connecting, in seconds."""
    asked: list[float] = []
    monkeypatch.setattr("kombu.utils.functional.sleep", asked.append)
    return asked


def test_with_the_broker_down_healthz_says_so_without_backing_off(client, settings, sleeps):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:8128/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert sleeps == []  # one connection attempt, no retries: an answer within a second


def test_with_the_broker_down_sending_evidence_still_works(
    client, world, sleeps, django_capture_on_commit_callbacks, caplog
):
    other = world.users["other_learner"]
    client.force_login(other)
    url = reverse("mentors:submit", args=[world.evidence_key_action.pk])
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"url": "https://github.com/o/p", "writeup": "Done."})
    assert response.status_code == 302
    assert Submission.objects.get(learner=other).state == Submission.State.SUBMITTED
    assert "Could not queue the AI pre-review" in caplog.text
    assert sum(sleeps) <= 0.2  # one quick retry at most (kombu's defaults slept ~6 s)


@pytest.mark.usefixtures("kinds", "eager_tasks")
def test_reminders_left_by_a_broker_outage_go_out_at_the_next_sweep_once(
    django_capture_on_commit_callbacks,
):
    paris = learner_in("Europe/Paris", hour=8)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        first = reminder_services.sweep(now=utc(2026, 11, 23, 7, 0))
    assert (first.claimed, first.enqueued) == (2, 0)  # claimed, but nothing reached a worker
    pending = Reminder.objects.filter(user=paris, state="pending")
    assert pending.count() == 2
    assert set(pending.values_list("last_error", flat=True)) == {reminder_services.NOT_ENQUEUED}

    # The broker is back: the next sweep (5 minutes later) sends them, without waiting 10.
    with django_capture_on_commit_callbacks(execute=True):
        second = reminder_services.sweep(now=utc(2026, 11, 23, 7, 5))
    assert (second.requeued, second.enqueued) == (2, 2)
    assert Reminder.objects.filter(user=paris, state="sent", last_error="").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        third = reminder_services.sweep(now=utc(2026, 11, 23, 7, 20))
    assert third.requeued == 0
    assert len(mail.outbox) == 2  # none lost, none twice


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kinds")
def test_the_reminders_command_says_what_it_really_enqueued():
    import time_machine

    learner_in("Europe/Paris", hour=8)
    out, err = StringIO(), StringIO()
    with broker_down(), time_machine.travel(utc(2026, 11, 23, 7, 10), tick=False):
        call_command("reminders", stdout=out, stderr=err)
    assert "Claimed 2 reminders and 0 digests; enqueued 0 of 2 deliveries" in out.getvalue()
    assert "The broker is unreachable: 2 reminders stay pending" in err.getvalue()


# --- SMTP refusing --------------------------------------------------------------------------


def test_with_smtp_refusing_sign_up_and_password_reset_still_answer(
    client, world, settings, caplog
):
    smtp_refusing(settings)
    caplog.set_level(logging.ERROR, logger="accounts.adapter")
    signup = client.post(
        reverse("account_signup"),
        {
            "email": "new@test.example",
            "password1": "a-long-new-pass",
            "password2": "a-long-new-pass",
        },
    )
    assert signup.status_code == 302
    assert signup.url == reverse("account_email_verification_sent")
    reset = client.post(reverse("account_reset_password"), {"email": world.users["learner"].email})
    assert reset.status_code == 302
    assert caplog.text.count("Could not send") == 2
