"""Delivery of one claimed reminder (or a user's daily digest): the email, unless the address
is suppressed, and the in-app notification.

Exactly once: delivery starts with a conditional UPDATE pending → sending, so one task wins
and a duplicate (re-enqueued, retried, redelivered) finds nothing to do. Transient SMTP
errors go back to pending for the task's retry; permanent refusals suppress the address.
"""

import smtplib
from dataclasses import dataclass
from typing import Protocol

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Case, F, TextField, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reminders.kinds import DIGEST, Content, Kind, registry
from reminders.models import KindOptOut, Notification, Reminder
from reminders.notifications import notifications_changed
from reminders.preferences import suppress_email, unsubscribe_url
from reminders.services import NOT_ENQUEUED

RETRYABLE = (smtplib.SMTPException, OSError)


def deliver(*, reminder_id: int, final_attempt: bool = True) -> Reminder.State | None:
    """Sends one reminder: an email (unless the address is suppressed) and an in-app
    notification. Returns the reminder's new state, or None if it was not pending.

    Safe to call twice: the conditional UPDATE pending → sending lets one call through.
    A transient SMTP error puts the reminder back to pending and re-raises (the task retries
    it with back-off), unless `final_attempt`, when it is marked failed (the notification
    is still shown in the app). A permanent recipient failure suppresses the address: this
    reminder and the next ones are in-app only, and the preferences page says why. Things
    that changed since the claim (account deactivated, kind turned off) skip the reminder."""
    now = timezone.now()
    won = Reminder.objects.filter(id=reminder_id, state=Reminder.State.PENDING).update(
        state=Reminder.State.SENDING,
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        last_error=Case(
            When(last_error=NOT_ENQUEUED, then=Value("")),
            default=F("last_error"),
            output_field=TextField(),
        ),
    )
    if not won:
        return None
    reminder = Reminder.objects.select_related("user", "user__reminder_preference").get(
        id=reminder_id
    )
    reason = _account_skip_reason(user=reminder.user)
    if reminder.kind == DIGEST:
        return _deliver_digest(digest=reminder, final_attempt=final_attempt, skip=reason)

    kind = registry.get(reminder.kind)
    reason = reason or _kind_skip_reason(reminder=reminder, kind=kind)
    if reason or kind is None:
        _finish([reminder], state=Reminder.State.SKIPPED, error=reason)
        return Reminder.State.SKIPPED
    link = unsubscribe_url(user_id=reminder.user_id, kinds=[kind.key])
    rendered = kind.render(
        reminder=reminder,
        site_url=settings.SITE_URL,
        unsubscribe_url=link,
        preferences_url=_preferences_url(),
    )
    return _send_and_finish(
        user=reminder.user,
        reminders=[reminder],
        notices={reminder.id: rendered},
        email=Email(rendered.subject, rendered.text, rendered.html, link),
        final_attempt=final_attempt,
    )


def _deliver_digest(*, digest: Reminder, final_attempt: bool, skip: str) -> Reminder.State:
    """Collects the user's reminders waiting for a digest into one mail. The conditional
    UPDATE attaches each waiting reminder to exactly one digest."""
    user = digest.user
    Reminder.objects.filter(user=user, state=Reminder.State.PENDING, digest=None).exclude(
        kind=DIGEST
    ).update(digest=digest, state=Reminder.State.SENDING, last_attempt_at=timezone.now())
    items = list(digest.items.select_related("user").order_by("created_at", "id"))
    entries: list[tuple[Reminder, Kind, Content]] = []
    for item in items:
        kind = registry.get(item.kind)
        reason = skip or _kind_skip_reason(reminder=item, kind=kind)
        if reason or kind is None:
            _finish([item], state=Reminder.State.SKIPPED, error=reason)
        else:
            entries.append((item, kind, kind.content(reminder=item)))
    if not entries:
        _finish([digest], state=Reminder.State.SKIPPED, error=skip or "Nothing left to send.")
        return Reminder.State.SKIPPED

    link = unsubscribe_url(user_id=user.id, kinds={kind.key for _, kind, _ in entries})
    context = {
        "entries": [
            {
                "kind": kind,
                "content": content,
                "action_url": settings.SITE_URL + content.url,
                "unsubscribe_url": unsubscribe_url(user_id=user.id, kinds=[kind.key]),
            }
            for _, kind, content in entries
        ],
        "day": digest.period,
        "unsubscribe_url": link,
        "preferences_url": _preferences_url(),
    }
    count = len(entries)
    subject = entries[0][2].subject if count == 1 else f"Your Edirae reminders: {count} for today"
    return _send_and_finish(
        user=user,
        reminders=[digest, *(item for item, _, _ in entries)],
        notices={item.id: content for item, _, content in entries},
        email=Email(
            subject,
            render_to_string("reminders/email/digest.txt", context),
            render_to_string("reminders/email/digest.html", context),
            link,
        ),
        final_attempt=final_attempt,
        digest=digest,
    )


def _preferences_url() -> str:
    return settings.SITE_URL + reverse("reminders:preferences")


def _account_skip_reason(*, user: User) -> str:
    """Why this account must get no reminder at all now ('' if it may)."""
    if not user.is_active:
        return "The account is inactive."
    if not EmailAddress.objects.filter(user=user, primary=True, verified=True).exists():
        return "The email address is not verified."
    return ""


def _kind_skip_reason(*, reminder: Reminder, kind: Kind | None) -> str:
    """Why this reminder must not go out after all (things changed since the claim)."""
    if kind is None:
        return f"Unknown reminder kind {reminder.kind!r}."
    if KindOptOut.objects.filter(user_id=reminder.user_id, kind=kind.key).exists():
        return "The user turned this reminder off."
    return ""


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    unsubscribe_url: str


class Notice(Protocol):
    title: str
    body: str
    url: str


def _send_and_finish(
    *,
    user: User,
    reminders: list[Reminder],
    notices: dict[int, Notice],
    email: Email,
    final_attempt: bool,
    digest: Reminder | None = None,
) -> Reminder.State:
    """Sends the email (unless the address is suppressed), then records the outcome."""
    preference = getattr(user, "reminder_preference", None)
    if preference is not None and preference.email_suppressed_at is not None:
        _finish(reminders, state=Reminder.State.SENT, notices=notices)
        return Reminder.State.SENT

    message = EmailMultiAlternatives(
        subject=" ".join(email.subject.split()),  # a header: one line
        body=email.text,
        to=[user.email],
        headers={
            # RFC 8058: mail clients show an unsubscribe button that POSTs to the link.
            "List-Unsubscribe": f"<{email.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(email.html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        reason = _permanent_reason(exc)
        if reason is None:
            return _transient(reminders, notices, exc, final_attempt=final_attempt, digest=digest)
        suppress_email(user=user, reason=reason)
        _finish(reminders, state=Reminder.State.SENT, notices=notices, error=reason)
        return Reminder.State.SENT
    except smtplib.SMTPResponseException as exc:
        if not 500 <= exc.smtp_code < 600:
            return _transient(reminders, notices, exc, final_attempt=final_attempt, digest=digest)
        # Refused for good (not because of the address): trying again will not help.
        error = f"The mail server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}"
        _finish(reminders, state=Reminder.State.FAILED, notices=notices, error=error)
        return Reminder.State.FAILED
    except RETRYABLE as exc:
        return _transient(reminders, notices, exc, final_attempt=final_attempt, digest=digest)
    _finish(reminders, state=Reminder.State.SENT, notices=notices, emailed=True)
    return Reminder.State.SENT


def _transient(
    reminders: list[Reminder],
    notices: dict[int, Notice],
    exc: Exception,
    *,
    final_attempt: bool,
    digest: Reminder | None,
) -> Reminder.State:
    """A failure that may pass: back to pending and re-raise (the task retries), or, on
    the last attempt, failed (the in-app notification still goes out)."""
    error = f"{exc.__class__.__name__}: {exc}"[:1000]
    if final_attempt:
        _finish(reminders, state=Reminder.State.FAILED, notices=notices, error=error)
        return Reminder.State.FAILED
    with transaction.atomic():
        Reminder.objects.filter(id__in=[r.id for r in reminders]).update(
            state=Reminder.State.PENDING, last_error=error
        )
        if digest is not None:
            # Give the items back: the retry collects them again (with any newer ones).
            Reminder.objects.filter(digest=digest).update(digest=None)
    raise exc


def _finish(
    reminders: list[Reminder],
    *,
    state: Reminder.State,
    notices: dict[int, Notice] | None = None,
    emailed: bool = False,
    error: str = "",
) -> None:
    """Marks reminders done and writes their in-app notifications, in one transaction."""
    if not reminders:
        return
    now = timezone.now()
    notices = notices or {}
    with transaction.atomic():
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=r.user_id,
                    reminder_id=r.id,
                    kind=r.kind,
                    title=notices[r.id].title[:200],
                    body=notices[r.id].body,
                    url=notices[r.id].url[:500],
                    created_at=now,
                )
                for r in reminders
                if r.id in notices
            ],
            ignore_conflicts=True,
        )
        notifications_changed(user_ids=[r.user_id for r in reminders if r.id in notices])
        Reminder.objects.filter(id__in=[r.id for r in reminders]).update(
            state=state,
            emailed=emailed,
            last_error=error,
            sent_at=now if state == Reminder.State.SENT else None,
        )


def _permanent_reason(exc: smtplib.SMTPRecipientsRefused) -> str | None:
    """A sentence for the user if every refusal is permanent (5xx), else None."""
    refusals = list(exc.recipients.items())
    if not refusals or not all(500 <= code < 600 for _, (code, _msg) in refusals):
        return None
    address, (code, text) = refusals[0]
    return f"The mail server refused {address}: {code} {_text(text)}"


def _text(value: bytes | str) -> str:
    return (value.decode(errors="replace") if isinstance(value, bytes) else value)[:300]
