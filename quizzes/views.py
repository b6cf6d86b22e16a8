"""Learning Center pages. Thin: lookups 404 for anything the learner may not see, rules live
in `services` and `selectors`. Each POST redirects for plain requests and returns the swapped
fragment for htmx."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edirae.http import AuthedRequest, parse_id
from quizzes import selectors, services
from quizzes.models import (
    FRESH_WINDOW,
    MASTERY_MIN_QUESTIONS,
    MASTERY_MIN_RESPONSES,
    MASTERY_THRESHOLD,
    Attempt,
    ReviewLog,
)
from tracks import progression
from tracks.models import Enrollment
from tracks.selectors import access_of, enrollment_on


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "quizzes/index.html",
        {
            "tracks": selectors.learning_center(learner=request.user),
            "due": selectors.due_count(learner=request.user),
        },
    )


@login_required
@require_GET
def phase(request: AuthedRequest, track_slug: str, phase_slug: str) -> HttpResponse:
    phase = selectors.phase_for_learning(
        viewer=request.user, track_slug=track_slug, phase_slug=phase_slug
    )
    # One query: the learner's enrollment with their state of this phase, what says whether
    # its quiz is locked for them (the same rule `services.start_attempt` refuses by).
    enrollment = enrollment_on(learner=request.user, phase=phase)
    active = enrollment is not None and enrollment.status == Enrollment.Status.ACTIVE
    # The open phase's gate (evaluated now: no reload): the checklist when it is this phase,
    # what opens this phase when it is locked.
    report = None
    if active:
        # This page's phase is the open one (read with the enrollment), or it is read there.
        is_open = enrollment.open_phase_id == phase.pk
        opened = phase if is_open else progression.UNREAD
        report = progression.advance_and_report(enrollment=enrollment, open_phase=opened).report
    return render(
        request,
        "quizzes/phase.html",
        {
            "gate": report if report is not None and report.phase == phase else None,
            "open_gate": report,
            "quiz_locked": not access_of(enrollment=enrollment, phase=phase).may_take_quiz,
            "phase": phase,
            "quiz": selectors.quiz_summary(
                learner=request.user, phase=phase, enrollment=enrollment
            ),
            "deck": selectors.deck_summary(learner=request.user, phase=phase),
            "resources": selectors.phase_resources(learner=request.user, phase=phase),
            "fresh_days": FRESH_WINDOW.days,
        },
    )


@login_required
@require_POST
def resource_done(request: AuthedRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_for_learner(viewer=request.user, pk=pk)
    done = services.set_resource_done(
        learner=request.user, resource=resource, done=request.POST.get("done") == "1"
    )
    if not request.htmx:
        if resource.phase_id is None:
            return redirect("quizzes:index")
        return redirect(
            "quizzes:phase", track_slug=resource.track.slug, phase_slug=resource.phase.slug
        )
    row = selectors.ResourceRow(resource, done)
    return render(request, "quizzes/phase.html#resource", {"row": row})


# --- Quizzes --------------------------------------------------------------------------------


@login_required
@require_POST
def start_attempt(request: AuthedRequest, pk: int) -> HttpResponse:
    quiz = selectors.quiz_for_learner(viewer=request.user, pk=pk)
    try:
        attempt = services.start_attempt(learner=request.user, quiz=quiz)
    except services.LearningRefused as refused:
        messages.error(request, str(refused))
        phase = quiz.phase
        return redirect("quizzes:phase", track_slug=phase.track.slug, phase_slug=phase.slug)
    return redirect("quizzes:attempt", pk=attempt.pk)


@login_required
@require_GET
def attempt(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = selectors.get_attempt_for(learner=request.user, pk=pk)
    if not attempt.is_graded and services.is_expired(attempt, timezone.now()):
        attempt = services.grade_attempt(attempt=attempt)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "phase": attempt.quiz.phase,
        "responses": selectors.attempt_responses(attempt=attempt),
        "fresh_days": FRESH_WINDOW.days,
    }
    if attempt.is_graded:
        context["availability"] = selectors.quiz_availability(
            learner=request.user, quiz=attempt.quiz
        )
    return render(request, "quizzes/attempt.html", context)


def _answers(request: AuthedRequest, attempt: Attempt) -> dict[int, services.Answer]:
    answers = {}
    for order in range(1, attempt.question_count + 1):
        values = request.POST.getlist(f"q{order}")
        selected = [pk for pk in map(parse_id, values) if pk is not None]
        answers[order] = services.Answer(selected=selected, text=values[0] if values else "")
    return answers


@login_required
@require_POST
def save_attempt(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = selectors.get_attempt_for(learner=request.user, pk=pk)
    saved = services.save_answers(attempt=attempt, answers=_answers(request, attempt))
    if not saved and not attempt.is_graded:
        # The time limit passed: what was answered is graded.
        services.grade_attempt(attempt=attempt)
    if not request.htmx or not saved:
        response = redirect("quizzes:attempt", pk=attempt.pk)
        if request.htmx:
            response = HttpResponse(status=204, headers={"HX-Redirect": response.url})
        return response
    return render(
        request,
        "quizzes/attempt.html#save-status",
        {"attempt": attempt, "saved_at": timezone.now()},
    )


@login_required
@require_POST
def submit_attempt(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = selectors.get_attempt_for(learner=request.user, pk=pk)
    services.save_answers(attempt=attempt, answers=_answers(request, attempt))
    services.grade_attempt(attempt=attempt)
    return redirect("quizzes:attempt", pk=attempt.pk)


# --- Skills ---------------------------------------------------------------------------------


@login_required
@require_GET
def skills(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "quizzes/skills.html",
        {
            "rows": selectors.my_skills(learner=request.user),
            "threshold": round(MASTERY_THRESHOLD * 100),
            "min_responses": MASTERY_MIN_RESPONSES,
            "min_questions": MASTERY_MIN_QUESTIONS,
        },
    )


# --- Flashcards -----------------------------------------------------------------------------


@login_required
@require_POST
def study_deck(request: AuthedRequest, pk: int) -> HttpResponse:
    deck = selectors.deck_for_learner(viewer=request.user, pk=pk)
    studied = services.study_deck(learner=request.user, deck=deck)
    today = (
        f"{studied.new_today} of its {studied.new_cards} new cards start today"
        if studied.new_cards
        else "you have reviewed all its cards before"
    )
    messages.success(
        request,
        f"“{deck.title}” is now part of your flashcard reviews: {today} "
        f"(at most {settings.FLASHCARDS_NEW_PER_DAY} new cards a day across your decks).",
    )
    return redirect("quizzes:review")


def _review_context(request: AuthedRequest, since_value: str | None) -> dict:
    """The review card, and when the session has ended (nothing left to rate now) its summary
    from the learner's review rows since the session started."""
    now = timezone.now()
    since = selectors.session_start(since_value, now=now)
    queue = selectors.review_queue(learner=request.user, now=now)
    context: dict = {"queue": queue, "since": int(since.timestamp())}
    if queue.card is None:
        context["session"] = selectors.review_session(learner=request.user, since=since)
        if queue.next_due:
            context["next_due_words"] = selectors.due_in_words(queue.next_due, now=now)
    return context


@login_required
@require_http_methods(["GET", "HEAD"])
def review(request: AuthedRequest) -> HttpResponse:
    template = "quizzes/review.html#review-card" if request.htmx else "quizzes/review.html"
    return render(request, template, _review_context(request, request.GET.get("since")))


@login_required
@require_POST
def rate_card(request: AuthedRequest, pk: int) -> HttpResponse:
    card = selectors.card_for_review(viewer=request.user, pk=pk)
    rating = parse_id(request.POST.get("rating")) or -1
    reps = request.POST.get("reps")
    expected_reps = 0 if reps == "0" else parse_id(reps) or -1
    refused = ""
    if rating not in ReviewLog.Rating.values or expected_reps < 0:
        refused = "Choose how well you recalled the card: Again, Hard, Good or Easy."
    else:
        try:
            services.review_card(
                learner=request.user, card=card, rating=rating, expected_reps=expected_reps
            )
        except services.LearningRefused as refusal:
            refused = str(refusal)
    if not request.htmx:
        if refused:
            messages.error(request, refused)
        since = selectors.session_start(request.POST.get("since"), now=timezone.now())
        return redirect(f"{reverse('quizzes:review')}?since={int(since.timestamp())}")
    context = _review_context(request, request.POST.get("since"))
    context["refused"] = refused
    return render(request, "quizzes/review.html#review-card", context)
