"""Delivery: the email and the in-app notification, retries, failures, suppression."""

import smtplib
import uuid

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from reminders import delivery
from reminders.models import KindOptOut, Notification, Reminder, ReminderPreference
from reminders.tasks import send_reminder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds", "eager_tasks")]


def claim(user, kind="test_announcement", period="once") -> Reminder:
    return Reminder.objects.create(
        user=user, kind=kind, period=period, created_at=timezone.now(), claim=uuid.uuid4()
    )


@pytest.fixture
def smtp(monkeypatch):
    """The outgoing mail server: fails with the queued errors, then accepts mail."""
    errors: list[Exception] = []
    original = EmailMultiAlternatives.send
    calls = []

    def send(self, *args, **kwargs):
        calls.append(self.to)
        if errors:
            raise errors.pop(0)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    send.errors = errors
    send.calls = calls
    return send


def test_a_reminder_arrives_as_html_and_text_with_one_click_unsubscribe(learner):
    reminder = claim(learner)
    assert delivery.deliver(reminder_id=reminder.id) == "sent"

    [message] = mail.outbox
    assert message.to == [learner.email]
    assert message.subject == "Your evidence was reviewed"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    # The kind's text is escaped in HTML, kept as typed in the text part.
    assert "A mentor approved it &lt;b&gt;with praise&lt;/b&gt;." in html
    assert "A mentor approved it <b>with praise</b>." in message.body
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(settings.SITE_URL + "/reminders/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body and link in html
    assert settings.SITE_URL + "/tracks/" in html

    reminder.refresh_from_db()
    assert (reminder.state, reminder.emailed, reminder.attempts) == ("sent", True, 1)
    notification = Notification.objects.get(user=learner)
    assert notification.title == "Your evidence was reviewed"
    assert notification.url == "/tracks/"
    assert notification.read_at is None


def test_delivering_the_same_reminder_twice_sends_once(learner):
    reminder = claim(learner)
    delivery.deliver(reminder_id=reminder.id)
    assert delivery.deliver(reminder_id=reminder.id) is None
    send_reminder.delay(reminder.id)  # a duplicate task, e.g. re-enqueued by a sweep
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_a_transient_smtp_error_is_retried_and_recorded(learner, smtp):
    reminder = claim(learner)
    smtp.errors.extend([smtplib.SMTPServerDisconnected("Connection unexpectedly closed")] * 2)

    send_reminder.apply(args=[reminder.id])  # eager: Celery runs the retries in a row

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == ("sent", 3)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=learner).count() == 1


def test_the_task_retries_with_exponential_backoff():
    assert send_reminder.retry_backoff == 30
    assert send_reminder.max_retries == 5
    assert smtplib.SMTPException in send_reminder.autoretry_for


def test_a_reminder_whose_retries_run_out_fails_but_still_shows_in_the_app(learner, smtp):
    reminder = claim(learner)
    smtp.errors.extend([ConnectionRefusedError("Connection refused")] * 10)

    send_reminder.apply(args=[reminder.id])

    reminder.refresh_from_db()
    assert reminder.state == "failed"
    assert reminder.attempts == 1 + send_reminder.max_retries
    assert "ConnectionRefusedError: Connection refused" in reminder.last_error
    assert mail.outbox == []
    assert Notification.objects.filter(user=learner).count() == 1


def test_a_transient_error_puts_the_reminder_back_to_pending_for_the_retry(learner, smtp):
    reminder = claim(learner)
    smtp.errors.append(smtplib.SMTPResponseException(421, b"Try again later"))
    with pytest.raises(smtplib.SMTPResponseException):
        delivery.deliver(reminder_id=reminder.id, final_attempt=False)
    reminder.refresh_from_db()
    assert reminder.state == "pending"
    assert "421" in reminder.last_error


def test_a_permanently_refused_address_is_suppressed_and_the_user_sees_why(learner, smtp):
    first, second = claim(learner), claim(learner, kind="test_daily", period="2026-11-23")
    smtp.errors.append(smtplib.SMTPRecipientsRefused({learner.email: (550, b"5.1.1 User unknown")}))

    assert delivery.deliver(reminder_id=first.id, final_attempt=False) == "sent"

    preference = ReminderPreference.objects.get(user=learner)
    assert preference.email_suppressed_at is not None
    assert "550 5.1.1 User unknown" in preference.email_suppressed_reason
    first.refresh_from_db()
    assert (first.state, first.emailed) == ("sent", False)
    # The next reminder is in-app only: no more mail to a dead address.
    delivery.deliver(reminder_id=second.id)
    assert len(smtp.calls) == 1
    assert Notification.objects.filter(user=learner).count() == 2


def test_a_message_refused_for_good_fails_without_retrying_or_suppressing(learner, smtp):
    reminder = claim(learner)
    smtp.errors.append(smtplib.SMTPDataError(554, b"Transaction failed"))
    assert delivery.deliver(reminder_id=reminder.id, final_attempt=False) == "failed"
    reminder.refresh_from_db()
    assert "554 Transaction failed" in reminder.last_error
    assert not ReminderPreference.objects.filter(email_suppressed_at__isnull=False).exists()


def test_a_reminder_is_skipped_if_the_account_was_deactivated_after_the_claim(learner):
    reminder = claim(learner)
    learner.is_active = False
    learner.save()
    assert delivery.deliver(reminder_id=reminder.id) == "skipped"
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_reminder_is_skipped_if_its_kind_was_turned_off_after_the_claim(learner):
    reminder = claim(learner)
    KindOptOut.objects.create(user=learner, kind="test_announcement", source="unsubscribe")
    assert delivery.deliver(reminder_id=reminder.id) == "skipped"
    reminder.refresh_from_db()
    assert reminder.last_error == "The user turned this reminder off."
    assert mail.outbox == []


def test_a_reminder_of_a_kind_no_longer_registered_is_skipped(learner):
    reminder = claim(learner, kind="retired_kind")
    assert delivery.deliver(reminder_id=reminder.id) == "skipped"
    assert mail.outbox == []


def test_a_failed_digest_gives_its_reminders_back_for_the_retry(learner, smtp):
    ReminderPreference.objects.create(user=learner, digest=True)
    item = claim(learner)
    digest = claim(learner, kind="digest", period="2026-11-23")
    smtp.errors.append(smtplib.SMTPServerDisconnected("gone"))
    with pytest.raises(smtplib.SMTPServerDisconnected):
        delivery.deliver(reminder_id=digest.id, final_attempt=False)
    item.refresh_from_db()
    assert (item.state, item.digest_id) == ("pending", None)

    assert delivery.deliver(reminder_id=digest.id) == "sent"
    item.refresh_from_db()
    assert (item.state, item.digest_id, item.emailed) == ("sent", digest.id, True)
    assert len(mail.outbox) == 1


def test_a_digest_with_nothing_left_to_send_is_skipped(learner):
    ReminderPreference.objects.create(user=learner, digest=True)
    digest = claim(learner, kind="digest", period="2026-11-23")
    assert delivery.deliver(reminder_id=digest.id) == "skipped"
    assert mail.outbox == []
