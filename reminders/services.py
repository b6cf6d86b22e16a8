"""The reminder sweep: who is due now, over every registered kind, claimed exactly once, and
the delivery tasks enqueued after commit. (Delivery is `reminders.delivery`; preferences,
suppression and unsubscribing `reminders.preferences`; read marks `reminders.notifications`.)

Exactly once, as database facts:
- the claim is a row per (user, kind, period) under a unique constraint, inserted with
  INSERT ... ON CONFLICT DO NOTHING: a second or concurrent sweep inserts nothing;
- delivery starts with a conditional UPDATE pending → sending (`reminders.delivery`): one
  task wins, a duplicate task (re-enqueued, retried, redelivered) finds nothing to do.
State lives in PostgreSQL; the broker only carries ids. Enqueueing failures are logged, the
reminders not enqueued are marked so, and the next sweep enqueues them again at once (other
pending reminders after `STALE_AFTER`).
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from reminders import selectors
from reminders.kinds import DIGEST, registry
from reminders.models import Reminder
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
