"""The AI mentor's pages (/ai-mentor/). Thin: lookups 404 for anyone else's objects; the rules
live in `ai_mentor.services` and `ai_mentor.practice`. htmx requests get fragments; plain
POSTs redirect."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ai_mentor import feedback, practice, pre_review, rendering, selectors, services
from edirae.http import AuthedRequest, parse_id, safe_next_url
from mentors import selectors as mentor_selectors
from quizzes import selectors as quiz_selectors
from tracks.models import Skill


class AskForm(forms.Form):
    question = forms.CharField(
        label="Ask the AI mentor",
        max_length=services.MAX_QUESTION_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "e.g. How do I serve a model behind an API?"}
        ),
        error_messages={
            "required": "Write a question first.",
            "max_length": "Keep the question under %(limit_value)d characters.",
        },
    )

    def clean_question(self) -> str:
        question = self.cleaned_data["question"].strip()
        if len(question) < 3:
            raise forms.ValidationError("Write a question of a few words.")
        return question


def _next_url(request: AuthedRequest, default: str) -> str:
    # A path on this site or the default; redirect to it only as a URL (HttpResponseRedirect),
    # never through redirect(), which would read "NaN" as a URL pattern name.
    return safe_next_url(request, default)


def _phase_url(phase) -> str:
    return reverse("quizzes:phase", args=[phase.track.slug, phase.slug])


def panel_context(
    request: AuthedRequest, phase, *, form=None, error="", next_url="", before=None, answered=False
):
    conversation = selectors.conversation_about(learner=request.user, phase=phase, before=before)
    return {
        "ai_phase": phase,
        "ai_conversation": conversation,
        "ai_messages": rendering.messages_html(conversation.messages, latest_answer=answered),
        "ai_form": form or AskForm(),
        "ai_error": error,
        "ai_next": next_url or request.get_full_path(),
        # The panel comes back after a question: the page scrolls to the new answer.
        "ai_answered": answered,
    }


# --- Explain --------------------------------------------------------------------------------


@login_required
@require_POST
def ask(request: AuthedRequest, track_slug: str, phase_slug: str) -> HttpResponse:
    phase = quiz_selectors.phase_for_learning(
        viewer=request.user, track_slug=track_slug, phase_slug=phase_slug
    )
    next_url = _next_url(request, _phase_url(phase))
    form = AskForm(request.POST)
    error, answered = "", False
    if form.is_valid():
        try:
            services.ask(learner=request.user, phase=phase, question=form.cleaned_data["question"])
        except services.RateLimited as limited:
            error = str(limited)
        else:
            form, answered = AskForm(), True
    if not request.htmx:
        for sentence in [error, *form.errors.get("question", [])]:
            if sentence:
                messages.error(request, sentence)
        return HttpResponseRedirect(next_url + "#ai-mentor")
    context = panel_context(
        request, phase, form=form, error=error, next_url=next_url, answered=answered
    )
    return render(request, "ai_mentor/panel.html#ai-mentor", context)


@login_required
@require_GET
def conversation(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.get_conversation_for(learner=request.user, pk=pk)
    before = request.GET.get("before") or None
    if before is not None:
        if not before.isdigit():
            return HttpResponseBadRequest("“before” must be the number of a message.")
        before = int(before)
    context = panel_context(request, item.phase, next_url=_phase_url(item.phase), before=before)
    return render(request, "ai_mentor/conversation.html", {**context, "conversation": item})


@login_required
@require_http_methods(["GET", "POST"])
def delete_conversation(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.get_conversation_for(learner=request.user, pk=pk)
    if request.method == "POST":
        services.delete_conversation(conversation=item)
        messages.success(
            request, "Your conversation with the AI mentor about this phase is deleted."
        )
        return HttpResponseRedirect(_next_url(request, _phase_url(item.phase)))
    return render(
        request,
        "ai_mentor/delete_conversation.html",
        {"conversation": item, "next": _next_url(request, _phase_url(item.phase))},
    )


# --- Practice -------------------------------------------------------------------------------


@login_required
@require_GET
def practice_page(request: AuthedRequest, track_slug: str, phase_slug: str) -> HttpResponse:
    phase = quiz_selectors.phase_for_learning(
        viewer=request.user, track_slug=track_slug, phase_slug=phase_slug
    )
    skill = None
    if request.GET.get("skill"):
        skill = get_object_or_404(Skill, slug=request.GET["skill"])
    pick = practice.next_question(learner=request.user, phase=phase, skill=skill)
    return render(
        request,
        "ai_mentor/practice.html",
        {"phase": phase, "skill": skill, "pick": pick},
    )


@login_required
@require_POST
def practice_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    question = selectors.practice_question_for(viewer=request.user, pk=pk)
    values = request.POST.getlist("answer")
    answer = practice.grade_practice(
        learner=request.user,
        question=question,
        selected=[pk for pk in map(parse_id, values) if pk is not None],
        text=values[0] if values and not question.is_choice else "",
    )
    if not request.htmx:
        return redirect("ai_mentor:practice-result", pk=answer.pk)
    return render(
        request, "ai_mentor/practice.html#practice-card", _result_context(request, answer)
    )


def _result_context(request: AuthedRequest, answer) -> dict:
    phase = answer.question.quiz.phase
    note = services.practice_note(learner=request.user, answer=answer)
    skill_slug = request.POST.get("skill") or request.GET.get("skill") or ""
    return {
        "phase": phase,
        "answer": answer,
        "question": answer.question,
        "note": note,
        "skill_slug": skill_slug,
    }


@login_required
@require_GET
def practice_result(request: AuthedRequest, pk: int) -> HttpResponse:
    answer = selectors.get_practice_answer_for(learner=request.user, pk=pk)
    context = _result_context(request, answer)
    return render(request, "ai_mentor/practice.html", {**context, "skill": None})


# --- Feedback after an attempt --------------------------------------------------------------


@login_required
@require_GET
def attempt_feedback(request: AuthedRequest, pk: int) -> HttpResponse:
    attempt = quiz_selectors.get_attempt_for(learner=request.user, pk=pk)
    plan = None
    if attempt.is_graded:
        plan = feedback.feedback_for_attempt(attempt=attempt, learner=request.user)
    template = "ai_mentor/feedback.html#ai-feedback" if request.htmx else "ai_mentor/feedback.html"
    return render(
        request, template, {"attempt": attempt, "plan": plan, "phase": attempt.quiz.phase}
    )


# --- Pre-review (mentors) -------------------------------------------------------------------


@login_required
@require_POST
def draft_pre_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """A mentor asks for the AI draft now (when the queued one has not arrived)."""
    profile = mentor_selectors.require_mentor(request.user)
    item = mentor_selectors.get_submission_for_mentor(profile=profile, pk=pk)
    current = item.rounds.filter(submitted_at__isnull=False).order_by("-number").first()
    if current is None or pre_review.draft_pre_review(round_id=current.pk) is None:
        messages.info(request, "There is nothing to draft: this evidence has no rubric.")
    return redirect("mentors:review", pk=item.pk)
