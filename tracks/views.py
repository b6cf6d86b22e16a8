from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edirae.http import AuthedRequest, parse_id
from tracks import calendar, momentum, next_step, progression, selectors, services
from tracks.durations import months_label
from tracks.forms import GoalsForm
from tracks.models import CalendarFeed, Enrollment, Track


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    return render(request, "tracks/catalog.html", {"tracks": selectors.catalog()})


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = request.user if request.user.is_authenticated else None
    track = selectors.track_for_page(slug=slug, viewer=viewer)
    enrollment = None
    if viewer is not None:
        enrollment = Enrollment.objects.filter(learner=viewer, track=track).first()
    return render(request, "tracks/detail.html", {"track": track, "enrollment": enrollment})


# The track a visitor chose before signing up: kept in the session, which survives sign-up,
# email confirmation and log-in (Django cycles the key, not the data).
CHOSEN_TRACK = "chosen_track"


@require_GET
def choose(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Start this track": the goal form for this track, through sign-up if need be."""
    track = Track.objects.published().filter(slug=slug).first()
    if track is None:
        raise Http404
    if request.user.is_authenticated:
        return redirect(f"{reverse('plan:goals')}?track={track.slug}")
    request.session[CHOSEN_TRACK] = track.slug
    return redirect("account_signup")


# --- The learner's plan ---------------------------------------------------------------------


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """The signed-in learner's home page (served at `/` by `edirae.views.home`).

    Re-evaluates the open phase's gate first, so new evidence opens the next phase at once.
    """
    enrollments = selectors.enrollments_of(request.user)
    enrollment = next((e for e in enrollments if e.is_active), None)
    gate = enrolled = None
    if enrollment is not None:
        enrolled = selectors.phases_with_progress(enrollment)
        outcome = progression.advance_and_report(
            enrollment=enrollment, open_phase=enrolled.open_phase
        )
        gate = outcome.report
        if outcome.advanced.changed:
            enrolled = None  # the states moved: the dashboard reads them again
    data = selectors.dashboard(
        learner=request.user, gate=gate, enrollments=enrollments, enrolled=enrolled
    )
    if data is None:
        return render(
            request,
            "tracks/dashboard_empty.html",
            {"paused": enrollments, "has_tracks": Track.objects.published().exists()},
        )
    return render(
        request,
        "tracks/dashboard.html",
        {
            "d": data,
            "gate": gate,
            "step": next_step.choose(dashboard=data, gate=gate),
            "momentum": momentum.momentum(enrollment=data.enrollment),
            "moment": _mastered_moment(request, data),
        },
    )


# A phase mastered in this many days, and not yet celebrated on this session, gets its moment.
MOMENT_DAYS = 14


def _mastered_moment(request: AuthedRequest, data: selectors.Dashboard) -> dict | None:
    """The banner for a phase just mastered: what was proven and what opens next; shown once
    (the session remembers it), whether the gate was met here or by a quiz elsewhere."""
    row = data.latest_mastered
    if row is None or row.mastered_at < timezone.now() - timedelta(days=MOMENT_DAYS):
        return None
    seen = request.session.get("celebrated_phases", [])
    if row.phase.pk in seen:
        return None
    request.session["celebrated_phases"] = [*seen, row.phase.pk][-20:]
    return {
        "row": row,
        "criteria": selectors.mastered_snapshot(enrollment=data.enrollment, phase_id=row.phase.pk),
        "next": data.after(row),
    }


@login_required
@require_GET
def gate(request: AuthedRequest) -> HttpResponse:
    """The open phase's gate checklist as a fragment; htmx polls it and reloads it when the
    page records evidence, so a phase opens on screen without a reload.

    `shown` is the phase the page was showing: when the open phase is now another one, the
    fragment says the new phase is open (wherever the evidence came from: a quiz, a tick, a
    mentor's approval) and a `phaseUnlocked` event lets the page react.
    """
    if not request.htmx:
        return redirect("home")
    enrollment = selectors.active_enrollment(request.user)
    if enrollment is None:
        return HttpResponse(status=204)
    outcome = progression.advance_and_report(enrollment=enrollment)
    shown = parse_id(request.GET.get("shown"))
    report = outcome.report
    moved = shown is not None and (report is None or report.phase.pk != shown)
    context = {
        "gate": report,
        "gate_is_last": report is not None
        and not report.phase.track.phases.filter(order__gt=report.phase.order).exists(),
        "opened": [report.phase] if moved and report is not None else [],
        "finished": moved and report is None,
    }
    response = render(request, "tracks/_gate.html", context)
    if moved:
        response["HX-Trigger"] = "phaseUnlocked"
    return response


@login_required
@require_GET
def why_open(request: AuthedRequest, phase_pk: int) -> HttpResponse:
    """ "Why is this open?": the progress events behind a mastered phase, with their evidence."""
    progress = selectors.get_mastered_phase_for(request.user, phase_pk)
    return render(
        request,
        "tracks/why_open.html",
        {
            "progress": progress,
            "events": [
                (
                    event,
                    selectors.labelled_criteria(event.snapshot.get("criteria", [])),
                    selectors.labelled_criteria(event.snapshot.get("before", [])),
                    selectors.labelled_criteria(event.snapshot.get("after", [])),
                )
                for event in selectors.phase_trail(progress=progress)
            ],
        },
    )


@login_required
@require_GET
def start(request: AuthedRequest) -> HttpResponse:
    """Where signing in lands, by role: the goal form of a track chosen before signing up;
    staff on authoring; mentors on their review queue; a learner without goals on the goal
    form, else their dashboard. Every page's menu switches between these homes."""
    chosen = request.session.pop(CHOSEN_TRACK, None)
    if chosen:
        return redirect(f"{reverse('plan:goals')}?track={chosen}")
    if request.user.is_staff:
        return redirect("admin:index")
    if request.session.get("is_mentor"):
        return redirect("mentors:queue")
    if Enrollment.objects.filter(learner=request.user).exists():
        return redirect("home")
    return redirect("plan:goals")


@login_required
@require_http_methods(["GET", "POST"])
def goals(request: AuthedRequest) -> HttpResponse:
    enrollment = selectors.active_enrollment(request.user)
    requested = Track.objects.published().filter(slug=request.GET.get("track", "")).first()
    track = requested or (enrollment.track if enrollment else None)
    if request.method == "POST":
        form = GoalsForm(request.POST, track=track)
        if form.is_valid():
            data = form.cleaned_data
            saved = services.save_goals(
                learner=request.user,
                goals=services.GoalsInput(
                    track=data["track"],
                    background=data["background"],
                    hours_per_week=data["hours_per_week"],
                    target_date=data["target_date"],
                    time_zone=data["time_zone"],
                    skills=tuple(data["skills"]),
                ),
            )
            _tell_what_changed(request, saved)
            return redirect("home")
    else:
        initial = {}
        if enrollment is not None:
            initial = {
                "background": enrollment.background,
                "track": enrollment.track,
                "hours_per_week": enrollment.hours_per_week,
                "target_date": enrollment.target_date,
                "time_zone": enrollment.time_zone,
                "skills": list(enrollment.skills.all()),
            }
        if track is not None:
            initial["track"] = track
        if requested is not None and not request.htmx:
            # Without JavaScript, "Show this track's skills" sends the form here by GET:
            # keep what the learner had typed.
            for name in ("background", "hours_per_week", "target_date", "time_zone"):
                if request.GET.get(name):
                    initial[name] = request.GET[name]
            if "skills" in request.GET:
                initial["skills"] = request.GET.getlist("skills")
        form = GoalsForm(initial=initial, track=track)
        if request.htmx and requested is not None:
            # The track select changed: only the skills checklist is swapped.
            return render(request, "tracks/goals.html#goal-skills", {"form": form})
    return render(
        request,
        "tracks/goals.html",
        {"form": form, "enrollment": enrollment, "has_tracks": form.fields["track"].queryset},
    )


def _tell_what_changed(request: AuthedRequest, saved: services.GoalsSaved) -> None:
    enrollment = saved.enrollment
    if saved.enrolled:
        messages.success(
            request,
            f"Your plan for {enrollment.track.title} is ready: Phase 1 is open.",
        )
        return
    if saved.resumed:
        messages.success(
            request, f"Back on {enrollment.track.title}: your progress is as you left it."
        )
    if saved.changes:
        messages.info(request, "Goals saved. What changed in your plan:")
        for change in saved.changes:
            messages.info(request, change)
    elif not saved.resumed:
        messages.success(request, "Goals saved. Your plan did not change.")


@login_required
@require_POST
def key_action(request: AuthedRequest, pk: int) -> HttpResponse:
    """Tick or untick a key action of the open phase (`done` = 1 or 0)."""
    progress = selectors.get_key_action_progress_for(request.user, pk)
    try:
        services.set_key_action_done(progress=progress, done=request.POST.get("done") == "1")
    except services.PhaseNotOpen:
        if not request.htmx:
            messages.error(request, "Key actions can be ticked only in your open phase.")
            return redirect("home")
        return HttpResponse("This phase is not open.", status=409)
    if not request.htmx:
        return redirect("home")
    data = selectors.dashboard(learner=request.user)
    if data is None:  # pragma: no cover - the enrollment was active a moment ago
        raise Http404
    # The tick may have completed the gate: the dashboard's phase is then the next one, and
    # the ticked row is rendered from the progress row itself.
    row = next((row for row in data.key_actions if row.progress.pk == progress.pk), None)
    row = row or selectors.KeyActionRow(
        progress=progress, action=progress.key_action, covered=False
    )
    gate = progression.current_report(enrollment=data.enrollment)
    step = next_step.choose(dashboard=data, gate=gate)
    context = {"d": data, "row": row, "oob": True, "step": step}
    response = HttpResponse(
        render_to_string("tracks/dashboard.html#key-action", context, request=request)
        + render_to_string("tracks/dashboard.html#next-action", context, request=request)
    )
    response["HX-Trigger"] = "evidenceRecorded"  # the gate checklist reloads itself
    return response


@login_required
@require_POST
def activate(request: AuthedRequest, pk: int) -> HttpResponse:
    enrollment = selectors.get_enrollment_for(request.user, pk)
    services.activate(enrollment=enrollment)
    messages.success(request, f"Back on {enrollment.track.title}: your progress is as you left it.")
    return redirect("home")


# --- Settings and the calendar feed --------------------------------------------------------


@login_required
@require_GET
def settings(request: AuthedRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(learner=request.user).first()
    feed_url = None
    if feed is not None:
        feed_url = request.build_absolute_uri(reverse("plan:feed", args=[feed.token]))
    enrollments = list(
        Enrollment.objects.filter(learner=request.user)
        .select_related("track")
        .order_by("status", "track__title")
    )
    for enrollment in enrollments:
        weeks = enrollment.plan.get("study_weeks") if enrollment.plan else None
        enrollment.length_label = months_label(weeks) if weeks else ""
    return render(
        request,
        "tracks/settings.html",
        {
            "feed": feed,
            "feed_url": feed_url,
            "webcal_url": feed_url and "webcal://" + feed_url.split("://", 1)[1],
            "enrollments": enrollments,
        },
    )


@login_required
@require_POST
def calendar_create(request: AuthedRequest) -> HttpResponse:
    if request.POST.get("reset") == "1":
        services.reset_calendar_feed(learner=request.user)
        messages.success(request, "New calendar address made: the old one no longer works.")
    else:
        services.calendar_feed(learner=request.user)
        messages.success(request, "Your calendar feed is on: add its address to your calendar.")
    return redirect("plan:settings")


@login_required
@require_POST
def calendar_revoke(request: AuthedRequest) -> HttpResponse:
    if services.revoke_calendar_feed(learner=request.user):
        messages.success(request, "Calendar feed turned off: its address no longer works.")
    return redirect("plan:settings")


@never_cache
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The plan as iCalendar, for whoever holds the secret address (no session needed)."""
    feed = CalendarFeed.objects.filter(token=token).select_related("learner").first()
    if feed is None:
        raise Http404
    enrollment = selectors.active_enrollment(feed.learner)
    phases = list(selectors.enrollment_phases(enrollment.track, enrollment)) if enrollment else []
    body = calendar.plan_calendar(
        enrollment=enrollment,
        phases=phases,
        dashboard_url=request.build_absolute_uri(reverse("home")),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="edirae-plan.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
