"""Evidence pages for learners (/evidence/) and mentors (/mentor/). Thin: the rules are in
services and selectors; every object is looked up through a helper that 404s for others."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edirae.http import AuthedRequest, parse_id
from mentors import hooks, selectors, services
from mentors.forms import EvidenceForm, ReviewForm
from mentors.models import Review, Submission
from mentors.services import EvidenceError
from mentors.uploads import accept_attribute
from tracks import gates, progression
from tracks.models import Enrollment

State = Submission.State


def _saved(request: AuthedRequest, submission: Submission, *, sent: bool) -> HttpResponse:
    """Back to the evidence, saying what happened to it."""
    if sent:
        messages.success(request, "Evidence sent. A mentor will review it.")
    else:
        messages.success(request, "Draft saved. Mentors do not see drafts.")
    return redirect(submission)


def _show_errors(form: forms.Form, error: EvidenceError) -> None:
    for name, sentences in error.errors.items():
        for sentence in sentences:
            form.add_error(None if name not in form.fields else name, sentence)


def _remember_mentor(request: AuthedRequest, is_mentor: bool) -> None:
    # base.html shows "Review queue" from the session, so pages pay no query for it.
    if request.session.get("is_mentor") != is_mentor:
        request.session["is_mentor"] = is_mentor


# --- Learners -------------------------------------------------------------------------------


@require_GET
@login_required
def my_submissions(request: AuthedRequest) -> HttpResponse:
    submissions = list(selectors.submissions_of(learner=request.user))
    started = {s.key_action_id for s in submissions if s.state != State.WITHDRAWN}
    available = [
        ka for ka in selectors.evidence_key_actions(learner=request.user) if ka.pk not in started
    ]
    return render(
        request,
        "mentors/my_submissions.html",
        {"submissions": submissions, "available": available},
    )


@require_GET
@login_required
def start(request: AuthedRequest) -> HttpResponse:
    """The "Start evidence" picker on My evidence submits here (works without JavaScript)."""
    key_action_id = parse_id(request.GET.get("key_action"))
    if key_action_id is None:
        messages.error(request, "Choose a key action first.")
        return redirect("mentors:my_submissions")
    return redirect("mentors:submit", key_action_id=key_action_id)


@require_http_methods(["GET", "POST"])
@login_required
def submit(request: AuthedRequest, key_action_id: int) -> HttpResponse:
    key_action = selectors.evidence_key_action(pk=key_action_id)
    existing = selectors.live_submission_for(learner=request.user, key_action=key_action)
    if existing is not None:
        if existing.state in (State.DRAFT, State.CHANGES_REQUESTED):
            return redirect("mentors:edit", pk=existing.pk)
        messages.info(request, "You already have evidence for this key action.")
        return redirect(existing)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        draft = request.POST.get("action") == "draft"
        try:
            submission = services.submit_evidence(
                learner=request.user, key_action=key_action, evidence=form.evidence(), draft=draft
            )
        except EvidenceError as exc:
            _show_errors(form, exc)
        else:
            return _saved(request, submission, sent=not draft)
    return render(
        request,
        "mentors/submit.html",
        {"form": form, "key_action": key_action, "mode": "new", "accept": accept_attribute()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Finish a draft, or send a new round after changes were requested."""
    submission = selectors.get_submission_for_learner(learner=request.user, pk=pk)
    if submission.state not in (State.DRAFT, State.CHANGES_REQUESTED):
        messages.info(request, "This evidence cannot be changed now.")
        return redirect(submission)
    rounds = selectors.history(submission=submission)
    latest = rounds[0]
    resubmitting = submission.state == State.CHANGES_REQUESTED
    initial = {"url": latest.url, "writeup": latest.writeup, "note": latest.note}
    form = EvidenceForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        keep_files_choice=resubmitting and bool(latest.files.all()),
    )
    if request.method == "POST" and form.is_valid():
        send = request.POST.get("action") != "draft"
        try:
            if resubmitting:
                services.resubmit(submission=submission, evidence=form.evidence())
            else:
                services.update_draft(submission=submission, evidence=form.evidence(), send=send)
        except EvidenceError as exc:
            _show_errors(form, exc)
        else:
            return _saved(request, submission, sent=send)
    return render(
        request,
        "mentors/submit.html",
        {
            "form": form,
            "key_action": submission.key_action,
            "submission": submission,
            "latest": latest,
            "mode": "resubmit" if resubmitting else "draft",
        },
    )


@require_GET
@login_required
def submission(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.get_submission_for_learner(learner=request.user, pk=pk)
    rounds = selectors.history(submission=item)
    wait = selectors.wait_for(submission=item)
    # Read-only: the "new review" flag is cleared by a POST (review_seen), never by a visit.
    newly_reviewed = item.review_unseen
    return render(
        request,
        "mentors/submission.html",
        {"submission": item, "rounds": rounds, "wait": wait, "newly_reviewed": newly_reviewed},
    )


@require_POST
@login_required
def review_seen(request: AuthedRequest, pk: int) -> HttpResponse:
    """The learner has read the new review: clear its flag (sent on load by htmx, or by the
    button without JavaScript). Safe twice."""
    item = selectors.get_submission_for_learner(learner=request.user, pk=pk)
    services.mark_review_seen(submission=item)
    if request.htmx:
        return HttpResponse("")  # the form is swapped out; the badge stays for this visit
    return redirect(item)


@require_POST
@login_required
def withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.get_submission_for_learner(learner=request.user, pk=pk)
    try:
        services.withdraw(submission=item)
    except EvidenceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Evidence withdrawn. You can start again whenever you like.")
    return redirect(item)


@require_GET
@login_required
def download(request: AuthedRequest, pk: int) -> FileResponse:
    profile = selectors.mentor_profile_for(request.user)
    stored = get_object_or_404(
        selectors.files_visible_to(user=request.user, profile=profile), pk=pk
    )
    return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.name)


# --- Mentors --------------------------------------------------------------------------------


def _promise() -> dict[str, int]:
    return {
        "promise_hours": settings.EVIDENCE_REVIEW_PROMISE_HOURS,
        "claim_minutes": settings.EVIDENCE_CLAIM_MINUTES,
    }


def _annotate_waits(items: list[Submission], *, mentor, now) -> None:
    for item in items:
        item.waited = now - item.submitted_at if item.submitted_at else None
        item.overdue = item.promised_by() is not None and now > item.promised_by()
        item.claimed_by_me = item.claim_is_active(now) and item.claimed_by_id == mentor.pk
        item.claimed_by_other = item.claim_is_active(now) and item.claimed_by_id != mentor.pk


def _page_number(request: AuthedRequest) -> int:
    """`?page=N` as a whole number from 1; anything else is page 1."""
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


@require_GET
@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    profile = selectors.require_mentor(request.user)
    _remember_mentor(request, True)
    now = timezone.now()
    page = _page_number(request)
    found = selectors.queue(profile=profile, page=page)
    items = found[: selectors.QUEUE_PAGE_SIZE]
    _annotate_waits(items, mentor=request.user, now=now)
    context = {
        "items": items,
        "mine": [item for item in items if item.claimed_by_me],
        "profile": profile,
        "page": page,
        "has_next": selectors.queue_has_more(found),
        "first_position": (page - 1) * selectors.QUEUE_PAGE_SIZE + 1,
        "last_position": (page - 1) * selectors.QUEUE_PAGE_SIZE + len(items),
        **_promise(),
    }
    template = "mentors/queue.html#queue" if request.htmx else "mentors/queue.html"
    return render(request, template, context)


@require_POST
@login_required
def claim(request: AuthedRequest, pk: int) -> HttpResponse:
    profile = selectors.require_mentor(request.user)
    item = selectors.get_submission_for_mentor(profile=profile, pk=pk)
    extending = item.claim_is_active() and item.claimed_by_id == request.user.pk
    try:
        services.claim(submission=item, mentor=request.user)
    except EvidenceError as exc:
        messages.error(request, exc.message)
        return redirect("mentors:queue")
    until = timezone.localtime(item.claim_expires_at)
    messages.success(
        request,
        f"{'Claim extended' if extending else 'Claimed'}: it is yours until {until:%H:%M}.",
    )
    return redirect("mentors:review", pk=item.pk)


@require_POST
@login_required
def release(request: AuthedRequest, pk: int) -> HttpResponse:
    profile = selectors.require_mentor(request.user)
    item = selectors.get_submission_for_mentor(profile=profile, pk=pk)
    try:
        services.release_claim(submission=item, mentor=request.user)
    except EvidenceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Released: the submission is back in the queue.")
    return redirect("mentors:queue")


@require_http_methods(["GET", "POST"])
@login_required
def review(request: AuthedRequest, pk: int) -> HttpResponse:
    profile = selectors.require_mentor(request.user)
    item = selectors.get_submission_for_mentor(profile=profile, pk=pk)
    rubric = selectors.rubric_for(key_action=item.key_action, track=item.track)
    rounds = selectors.history(submission=item)
    current = rounds[0] if rounds else None
    # Other apps' aids for this round (the AI mentor's pre-review draft) may prefill the form:
    # the mentor checks and edits it; the verdict is theirs.
    aids = hooks.review_aids(round=current, rubric=rubric)
    initial = hooks.initial_values(aids)
    form = ReviewForm(request.POST or None, rubric=rubric, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.review(
                submission=item,
                mentor=request.user,
                verdict=form.cleaned_data["verdict"],
                feedback=form.cleaned_data["feedback"],
                levels=form.levels(),
                rubric=rubric,
            )
        except EvidenceError as exc:
            _show_errors(form, exc)
        else:
            if form.cleaned_data["verdict"] == Review.Verdict.APPROVE:
                messages.success(request, "Approved. The learner has been told.")
            else:
                messages.success(request, "Changes requested. The learner has been told.")
            return redirect("mentors:queue")
    now = timezone.now()
    # The learner's goals and where they stand on this phase's gate (read-only for mentors).
    enrollment = Enrollment.objects.filter(learner=item.learner, track=item.track).first()
    gate = progression.report_for(enrollment=enrollment, phase=item.phase) if enrollment else None
    holds_claim = item.state == State.IN_REVIEW and item.claimed_by_id == request.user.pk
    return render(
        request,
        "mentors/review.html",
        {
            "submission": item,
            "rounds": rounds,
            "enrollment": enrollment,
            "gate": gate,
            "current": current,
            "review_aids": aids,
            "earlier": rounds[1:],
            "rubric": rubric,
            "form": form,
            "holds_claim": holds_claim,
            "claim_expired": holds_claim and not item.claim_is_active(now),
            "claimed_by_other": item.claim_is_active(now) and not holds_claim,
            "approved_in_phase": selectors.approved_submission_count(
                learner=item.learner,
                phase=item.phase,
                window=gates.evidence_window(enrollment) if enrollment else None,
            ),
            "waited": now - item.submitted_at if item.submitted_at else None,
            "overdue": item.is_waiting and now > item.promised_by(),
            **_promise(),
        },
    )


@require_GET
@login_required
def stats(request: AuthedRequest) -> HttpResponse:
    profile = selectors.require_mentor(request.user)
    return render(
        request,
        "mentors/stats.html",
        {"stats": selectors.mentor_stats(profile=profile), "profile": profile},
    )
