"""Reminder rules with side effects: the sweep (claim), delivery, unsubscribing, preferences.

Exactly once, as database facts:
- the claim is a row per (user, kind, period) under a unique constraint, inserted with
  INSERT ... ON CONFLICT DO NOTHING: a second or concurrent sweep inserts nothing;
- delivery starts with a conditional UPDATE pending → sending: one task wins, a duplicate
  task (re-enqueued, retried, redelivered) finds nothing to do.
State lives in PostgreSQL; the broker only carries ids. Enqueueing failures are logged, the
reminders not enqueued are marked so, and the next sweep enqueues them again at once (other
pending reminders after `STALE_AFTER`).
"""

import logging
import smtplib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from reminders import selectors
from reminders.kinds import DIGEST, Content, Kind, registry
from reminders.models import KindOptOut, Notification, Reminder, ReminderPreference
from reminders.periods import local_day

logger = logging.getLogger(__name__)

# A pending reminder not attempted for this long is enqueued again by the next sweep (the
# message was lost). Longer than the longest retry back-off.
STALE_AFTER = timedelta(minutes=10)
# Written on the reminders a sweep could not enqueue (broker down): the next sweep, 5 minutes
# later at most, enqueues them again without waiting for STALE_AFTER. Delivery clears it.
NOT_ENQUEUED = "Not enqueued: the broker was unreachable. The next sweep enqueues it again."
# A reminder stuck in "sending" this long was interrupted (worker killed mid-send). It is
# marked failed rather than sent again: the mail may have left, and a duplicate is worse.
INTERRUPTED_AFTER = timedelta(hours=1)
# Rows per INSERT: the sweep's query count is fixed up to this many new reminders per run.
CLAIM_BATCH = 2000

UNSUBSCRIBE_SALT = "reminders.unsubscribe"


# --- The sweep ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    user_id: int
    email: str
    kind: str
    period: str


@dataclass
class SweepReport:
    planned: list[Planned] = field(default_factory=list)
    claimed: int = 0
    digests: int = 0
    requeued: int = 0
    interrupted: int = 0
    enqueue_ids: list[int] = field(default_factory=list)
    # How many of `enqueue_ids` the broker accepted; None until the sweep's transaction has
    # committed (tasks are enqueued on commit).
    enqueued: int | None = None


def due_now(*, now: datetime) -> list[Reminder]:
    """Unsaved `Reminder`s for everyone due now, over every registered kind. One query per
    kind, whatever the number of users; writes nothing."""
    planned: list[Reminder] = []
    for kind in registry.all():
        for due in kind.due(now=now, recipients=selectors.recipients(kind=kind, now=now)):
            planned.append(
                Reminder(
                    user_id=due.user_id,
                    kind=kind.key,
                    period=due.period,
                    payload=due.payload,
                    created_at=now,
                )
            )
    return planned


def sweep(*, now: datetime | None = None, dry_run: bool = False) -> SweepReport:
    """Claims every reminder due now and enqueues one delivery task per claim, after commit.

    Safe to call twice and from two processes at once: claims are inserted with ON CONFLICT
    DO NOTHING on (user, kind, period), and only the rows this call inserted are enqueued.
    Also enqueues again pending reminders left behind (broker down) and claims the daily
    digest of digest users at their hour. A fixed number of queries: 5 + one per kind
    (+1 when digests are due, +1 per `CLAIM_BATCH` new reminders). `dry_run` reports who
    would get what, writing nothing."""
    now = now or timezone.now()
    report = SweepReport()
    planned = due_now(now=now)
    if dry_run:
        emails = dict(
            User.objects.filter(id__in={r.user_id for r in planned}).values_list("id", "email")
        )
        report.planned = [
            Planned(user_id=r.user_id, email=emails[r.user_id], kind=r.kind, period=r.period)
            for r in planned
        ]
        return report

    claim = uuid.uuid4()
    with transaction.atomic():
        report.interrupted = Reminder.objects.filter(
            state=Reminder.State.SENDING, last_attempt_at__lt=now - INTERRUPTED_AFTER
        ).update(
            state=Reminder.State.FAILED,
            last_error="Interrupted while sending; not sent again to avoid a duplicate.",
        )
        stale = _rows(
            Reminder.objects.filter(state=Reminder.State.PENDING).filter(
                Q(
                    Q(last_attempt_at=None) | Q(last_attempt_at__lt=now - STALE_AFTER),
                    created_at__lt=now - STALE_AFTER,
                )
                | Q(last_error=NOT_ENQUEUED)
            )
        )
        report.requeued = sum(1 for _, _, waits in stale if not waits)

        for reminder in planned:
            reminder.claim = claim
        Reminder.objects.bulk_create(planned, ignore_conflicts=True, batch_size=CLAIM_BATCH)

        # Digest users at their hour, with something waiting: one digest per local day.
        digests = [
            Reminder(
                user_id=user_id,
                kind=DIGEST,
                period=local_day(now, time_zone),
                created_at=now,
                claim=claim,
            )
            for user_id, time_zone in selectors.digest_recipients(now=now).values_list(
                "id", "reminder_time_zone"
            )
        ]
        Reminder.objects.bulk_create(digests, ignore_conflicts=True, batch_size=CLAIM_BATCH)

        claimed = _rows(Reminder.objects.filter(claim=claim))
        report.claimed = sum(1 for _, kind, _ in claimed if kind != DIGEST)
        report.digests = sum(1 for _, kind, _ in claimed if kind == DIGEST)
        ids = [pk for pk, _, waits in (*stale, *claimed) if not waits]
        report.enqueue_ids = ids

        def enqueue_after_commit() -> None:
            report.enqueued = enqueue(reminder_ids=ids)

        transaction.on_commit(enqueue_after_commit)
    logger.info(
        "Reminder sweep: %s claimed, %s digests, %s enqueued again, %s interrupted",
        report.claimed,
        report.digests,
        report.requeued,
        report.interrupted,
    )
    return report


def _rows(reminders) -> list[tuple[int, str, bool]]:
    """(id, kind, waits for the digest) of the given reminders, in one query."""
    rows = reminders.values_list(
        "id",
        "kind",
        "user__reminder_preference__digest",
        "user__reminder_preference__email_suppressed_at",
    )
    return [
        (pk, kind, _waits_for_digest(kind=kind, digest=digest, suppressed_at=suppressed_at))
        for pk, kind, digest, suppressed_at in rows
    ]


def _waits_for_digest(*, kind: str, digest: bool | None, suppressed_at: datetime | None) -> bool:
    """A reminder of a digest user whose address takes mail waits for the daily digest."""
    return kind != DIGEST and bool(digest) and suppressed_at is None


def enqueue(*, reminder_ids: Iterable[int]) -> int:
    """Sends one `send_reminder` task per id to the broker; returns how many were sent.

    Never raises: if the broker is unreachable, logs it and stops (after one short connection
    attempt, see CELERY_BROKER_TRANSPORT_OPTIONS); the reminders not sent stay pending,
    marked `NOT_ENQUEUED`, and the next sweep enqueues them. A task that reached the broker
    although the call failed is harmless: delivery claims the row, a duplicate does nothing."""
    from reminders.tasks import send_reminder

    ids = list(reminder_ids)
    sent = 0
    for reminder_id in ids:
        try:
            send_reminder.apply_async((reminder_id,), retry=False)
        except Exception:
            logger.warning(
                "Broker unreachable: %s reminders left pending for the next sweep.",
                len(ids) - sent,
                exc_info=True,
            )
            _mark_not_enqueued(ids[sent:])
            break
        sent += 1
    return sent


def _mark_not_enqueued(reminder_ids: list[int]) -> None:
    try:
        Reminder.objects.filter(id__in=reminder_ids, state=Reminder.State.PENDING).update(
            last_error=NOT_ENQUEUED
        )
    except Exception:  # the database may be down too: the STALE_AFTER rule still applies
        logger.exception("Could not mark %s reminders as not enqueued", len(reminder_ids))


# --- Delivery -------------------------------------------------------------------------------

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


# --- Preferences, suppression, unsubscribing ------------------------------------------------


def save_preferences(
    *, user: User, hour: int, time_zone: str, digest: bool, enabled_kinds: Iterable[str]
) -> ReminderPreference:
    """Stores the user's choices; kinds not in `enabled_kinds` are turned off. Safe to call
    twice (update_or_create and a unique opt-out per kind)."""
    enabled = set(enabled_kinds)
    keys = {kind.key for kind in registry.all()}
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.update_or_create(
            user=user, defaults={"hour": hour, "time_zone": time_zone, "digest": digest}
        )
        KindOptOut.objects.filter(user=user, kind__in=enabled & keys).delete()
        KindOptOut.objects.bulk_create(
            [
                KindOptOut(user=user, kind=key, source=KindOptOut.Source.PREFERENCES)
                for key in sorted(keys - enabled)
            ],
            ignore_conflicts=True,
        )
    return preference


def suppress_email(*, user: User, reason: str) -> None:
    """Stops reminder mail to the user's address for good (until they resume it)."""
    ReminderPreference.objects.update_or_create(
        user=user,
        defaults={"email_suppressed_at": timezone.now(), "email_suppressed_reason": reason},
    )
    logger.warning("Reminder mail suppressed for user %s: %s", user.pk, reason)


def resume_email(*, user: User) -> None:
    """The user says their address works again: reminder mail resumes."""
    ReminderPreference.objects.filter(user=user).update(
        email_suppressed_at=None, email_suppressed_reason=""
    )


def unsubscribe_token(*, user_id: int, kinds: Iterable[str]) -> str:
    """A signed token naming a user and the kinds a link turns off (salted: a token signed
    for another purpose is refused). No expiry: unsubscribe links must keep working."""
    signer = signing.Signer(salt=UNSUBSCRIBE_SALT)
    return signer.sign_object({"u": user_id, "k": sorted(set(kinds))})


def unsubscribe_url(*, user_id: int, kinds: Iterable[str]) -> str:
    token = unsubscribe_token(user_id=user_id, kinds=kinds)
    return settings.SITE_URL + reverse("reminders:unsubscribe", args=[token])


@dataclass(frozen=True)
class Unsubscription:
    user: User
    kinds: list[str]


class InvalidUnsubscribeLink(Exception):
    pass


def read_unsubscribe_token(token: str) -> Unsubscription:
    """The user and kinds a token names; raises InvalidUnsubscribeLink if it was tampered
    with, is not ours, or names a deleted account."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeLink from exc
    if not (
        isinstance(data, dict)
        and isinstance(data.get("u"), int)
        and isinstance(data.get("k"), list)
        and data["k"]
        and all(isinstance(k, str) and 0 < len(k) <= 64 for k in data["k"])
    ):
        raise InvalidUnsubscribeLink
    user = User.objects.filter(pk=data["u"]).first()
    if user is None:
        raise InvalidUnsubscribeLink
    return Unsubscription(user=user, kinds=data["k"])


def opted_out(*, unsubscription: Unsubscription) -> bool:
    """Has the user already turned off every kind the link names?"""
    done = KindOptOut.objects.filter(user=unsubscription.user, kind__in=unsubscription.kinds)
    return done.count() == len(unsubscription.kinds)


def unsubscribe(*, unsubscription: Unsubscription) -> list[str]:
    """Turns the link's kinds off; returns the kinds that were still on. Idempotent: a second
    call returns [] (the unique opt-out per kind makes it a database fact)."""
    user = unsubscription.user
    already = set(
        KindOptOut.objects.filter(user=user, kind__in=unsubscription.kinds).values_list(
            "kind", flat=True
        )
    )
    new = [kind for kind in unsubscription.kinds if kind not in already]
    KindOptOut.objects.bulk_create(
        [KindOptOut(user=user, kind=k, source=KindOptOut.Source.UNSUBSCRIBE_LINK) for k in new],
        ignore_conflicts=True,
    )
    return new


# --- Notifications --------------------------------------------------------------------------


def mark_read(*, notification: Notification) -> Notification:
    """Marks one notification read (keeps the first read time; safe to call twice)."""
    Notification.objects.filter(id=notification.id, read_at=None).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def mark_all_read(*, user: User) -> int:
    """Marks every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
