"""The evidence kinds: news of a review to its learner, evidence waiting past the review
promise to the track's mentors (and, once escalated, to staff)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from mentors.models import Review, Submission, SubmissionRound
from mentors.selectors import mentor_covers
from reminders import rules
from reminders.kinds import Content, Due, Kind

# "Your evidence was reviewed" looks back this far (see rules.evidence_reviewed_due).
REVIEW_LOOKBACK = timedelta(days=7)


class EvidenceReviewed(Kind):
    """To the learner, as soon as a mentor reviews their evidence (any hour: it is news
    about their own work, not a nudge). Unlike the other learner kinds it does not require
    an active, unfinished enrollment: the approval that masters a track's last phase must
    still be announced, and so must a review of evidence sent before pausing a track."""

    key = "evidence_reviewed"
    label = "Evidence reviewed"
    description = "As soon as a mentor approves your evidence or asks for changes."
    hour_bound = False

    def due(self, *, now, recipients):
        rows = Review.objects.filter(
            created_at__gt=now - REVIEW_LOOKBACK,
            created_at__lte=now,
            round__submission__learner__in=recipients.values("pk"),
        ).values_list(
            "pk",
            "round__submission__learner_id",
            "created_at",
            "verdict",
            "round__submission_id",
            "round__submission__key_action__text",
        )
        due = []
        for pk, learner_id, decided_at, verdict, submission_id, action in rows:
            period = rules.evidence_reviewed_due(review_id=pk, decided_at=decided_at, now=now)
            if period is not None:
                payload = {"verdict": verdict, "submission_id": submission_id, "key_action": action}
                due.append(Due(learner_id, period, payload))
        return due

    def content(self, *, reminder):
        payload = reminder.payload
        if payload["verdict"] == Review.Verdict.APPROVE:
            title = "Your evidence was approved"
            body = f"A mentor approved your evidence for “{payload['key_action']}”."
        else:
            title = "A mentor asked for changes to your evidence"
            body = (
                f"A mentor reviewed your evidence for “{payload['key_action']}” and asked for "
                "changes. Their feedback says what to improve; resubmit when you are ready."
            )
        return Content(
            subject=title,
            title=title,
            body=body,
            url=reverse("mentors:submission", kwargs={"pk": payload["submission_id"]}),
            action="Read the feedback",
        )


class EvidenceWaiting(Kind):
    """To the mentors of the track once a round of evidence waits past the review promise,
    and to staff once `mentors` has escalated it. Once per round and audience (a
    resubmission is a new round, with a new promise). Not bound to the hour: a broken
    promise is urgent. A round claimed by a mentor right now is not reminded about."""

    key = "evidence_waiting"
    label = "Evidence waiting for review"
    description = (
        "For mentors and staff: evidence that has waited past the review promise (once per "
        "submission round)."
    )
    hour_bound = False

    def due(self, *, now, recipients):
        promise = settings.EVIDENCE_REVIEW_PROMISE_HOURS
        not_claimed = Q(state=Submission.State.SUBMITTED) | Q(
            Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now),
            state=Submission.State.IN_REVIEW,
        )
        current_round = SubmissionRound.objects.filter(submission=OuterRef("pk")).order_by(
            "-number"
        )
        overdue = list(
            Submission.objects.filter(not_claimed, submitted_at__lte=now - timedelta(hours=promise))
            .annotate(
                round_id=Subquery(current_round.values("pk")[:1]),
                covered=mentor_covers(OuterRef("track")),
            )
            .values(
                "covered",
                "pk",
                "learner_id",
                "track_id",
                "submitted_at",
                "escalated_at",
                "round_id",
                "key_action__text",
                "phase__order",
                "phase__title",
                "track__title",
            )
        )
        if not overdue:
            return []
        mentors: dict[int, set[int]] = {}
        for user_id, track_id in recipients.filter(
            mentor_profile__is_active=True,
            mentor_profile__tracks__in={row["track_id"] for row in overdue},
        ).values_list("pk", "mentor_profile__tracks"):
            mentors.setdefault(track_id, set()).add(user_id)
        # A track that no active mentor covers falls to the staff's fallback reviewers: they
        # are its mentors here (mentors.selectors.visible_to puts it in their queue).
        if uncovered := {row["track_id"] for row in overdue if not row["covered"]}:
            fallback = set(
                recipients.filter(
                    is_staff=True,
                    mentor_profile__is_active=True,
                    mentor_profile__is_fallback_reviewer=True,
                ).values_list("pk", flat=True)
            )
            mentors.update(dict.fromkeys(uncovered, fallback))
        staff: list[int] = []
        if any(row["escalated_at"] is not None for row in overdue):
            staff = list(recipients.filter(is_staff=True).values_list("pk", flat=True))
        due = []
        for row in overdue:
            periods = rules.review_waiting_due(
                round_id=row["round_id"],
                submitted_at=row["submitted_at"],
                promise_hours=promise,
                escalated=row["escalated_at"] is not None,
                now=now,
            )
            audiences = {"mentors": mentors.get(row["track_id"], set()), "admins": set(staff)}
            payload = {
                "submission_id": row["pk"],
                "submitted_at": row["submitted_at"].isoformat(),
                "key_action": row["key_action__text"],
                "phase": f"Phase {row['phase__order']} · {row['phase__title']}",
                "track": row["track__title"],
            }
            for audience, period in periods.items():
                for user_id in sorted(audiences[audience] - {row["learner_id"]}):
                    due.append(Due(user_id, period, {**payload, "audience": audience}))
        return due

    def content(self, *, reminder):
        payload = reminder.payload
        promise = settings.EVIDENCE_REVIEW_PROMISE_HOURS
        waited = int(
            (timezone.now() - datetime.fromisoformat(payload["submitted_at"])).total_seconds()
            // 3600
        )
        where = f"“{payload['key_action']}” ({payload['track']}, {payload['phase']})"
        if payload["audience"] == "admins":
            return Content(
                subject=f"Escalated: evidence waiting past the {promise} h promise "
                f"({payload['track']})",
                title=f"Escalated: evidence waiting past the {promise} h promise",
                body=(
                    f"Evidence for {where} has waited {waited} hours for a mentor. It is now "
                    "offered to every mentor of the track; check the track has mentors with "
                    "time this week."
                ),
                url=reverse("admin:mentors_submission_change", args=[payload["submission_id"]]),
                action="Open the submission",
            )
        return Content(
            subject=f"Evidence has waited over {promise} h for review ({payload['track']})",
            title=f"Evidence has waited over {promise} h for review",
            body=(
                f"Evidence for {where} has waited {waited} hours, past our {promise}-hour "
                "review promise. It is in your review queue."
            ),
            url=reverse("mentors:review", kwargs={"pk": payload["submission_id"]}),
            action="Review it",
        )
