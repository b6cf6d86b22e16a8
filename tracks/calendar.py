"""The learner's plan as an iCalendar feed (RFC 5545) that calendar apps subscribe to.

Built with the `icalendar` package, which gets the escaping, line folding and CRLF endings of
RFC 5545 right. Events are all-day milestones with stable UIDs, so a calendar app that
refreshes the feed moves an event when the plan changes instead of duplicating it.
"""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from tracks import plans
from tracks.models import Enrollment, Phase

PRODUCT = "-//Edirae//Learning plan//EN"


def plan_calendar(
    *, enrollment: Enrollment | None, phases: list[Phase], dashboard_url: str
) -> bytes:
    """The feed: the start of each phase, the day the role should be landed, the target date."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = f"Edirae · {enrollment.track.title}" if enrollment else "Edirae plan"
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    if enrollment is None or not enrollment.plan:
        return calendar.to_ical()

    plan = plans.plan_from_json(enrollment.plan)
    stamp = enrollment.plan_updated_at or datetime.now(UTC)
    titles = {phase.pk: phase for phase in phases}
    uid = f"edirae-enrollment-{enrollment.pk}"

    def milestone(key: str, day, summary: str, description: str) -> None:
        event = Event()
        event.add("uid", f"{uid}-{key}@edirae")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", summary)
        event.add("description", f"{description}\n\nYour plan: {dashboard_url}")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)

    for entry in plan.phases:
        phase = titles.get(entry.phase_id)
        if phase is None:
            continue
        kind = "on the job" if entry.on_the_job else f"planned for {entry.weeks} weeks"
        milestone(
            f"phase-{entry.phase_id}",
            entry.start,
            f"Phase {phase.order} starts: {phase.title}",
            f"{phase.summary}\n\n{kind.capitalize()}, until {entry.end:%d %b %Y}.".strip(),
        )
    milestone(
        "role",
        plan.role_date,
        f"Planned: land the {enrollment.track.target_role} role",
        "The end of the study phases of your plan.",
    )
    if plan.target is not None:
        milestone(
            "target",
            plan.target.target_date,
            "Your target date",
            "The date you set in your goals."
            + ("" if plan.target.met else " Your plan runs past it: see your dashboard."),
        )
    return calendar.to_ical()
