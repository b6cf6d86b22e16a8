"""Every named URL of the site, walked from the URLconf, and how to fill its arguments from
the security tests' world."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse


def named_urls() -> list[str]:
    """Every `namespace:name` in the URLconf (admin included), in URLconf order."""

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                full = ":".join(n for n in (namespace, inner) if n) if inner else namespace
                yield from walk(pattern.url_patterns, full)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


def admin_sample(names: list[str]) -> list[str]:
    """The admin, sampled: its index and every model's change list (a model registered
    later is sampled automatically). Its other pages share the same `admin_view` guard."""
    return [n for n in names if n == "admin:index" or n.endswith("_changelist")]


# How to fill each URL's arguments from the world (`w`); URLs without arguments need none.
ARGS = {
    "account_confirm_email": lambda w: {"key": "not-a-real-key"},
    "account_reset_password_from_key": lambda w: {"uidb36": "zz", "key": "not-a-real-key"},
    "tracks:detail": lambda w: {"slug": w.track.slug},
    "tracks:choose": lambda w: {"slug": w.track.slug},
    "plan:why_open": lambda w: {"phase_pk": w.phase.pk},
    "plan:key_action": lambda w: {"pk": w.key_action_progress.pk},
    "plan:activate": lambda w: {"pk": w.enrollment.pk},
    "plan:feed": lambda w: {"token": w.calendar_token},
    "quizzes:rate": lambda w: {"pk": w.card.pk},
    "quizzes:start": lambda w: {"pk": w.quiz.pk},
    "quizzes:attempt": lambda w: {"pk": w.attempt.pk},
    "quizzes:save": lambda w: {"pk": w.attempt.pk},
    "quizzes:submit": lambda w: {"pk": w.attempt.pk},
    "quizzes:study": lambda w: {"pk": w.deck.pk},
    "quizzes:resource-done": lambda w: {"pk": w.resource.pk},
    "quizzes:phase": lambda w: {"track_slug": w.track.slug, "phase_slug": w.phase.slug},
    "mentors:submit": lambda w: {"key_action_id": w.evidence_key_action.pk},
    "mentors:submission": lambda w: {"pk": w.submission.pk},
    "mentors:edit": lambda w: {"pk": w.submission.pk},
    "mentors:withdraw": lambda w: {"pk": w.submission.pk},
    "mentors:review_seen": lambda w: {"pk": w.submission.pk},
    "mentors:file": lambda w: {"pk": w.stored_file.pk},
    "mentors:review": lambda w: {"pk": w.submission.pk},
    "mentors:claim": lambda w: {"pk": w.submission.pk},
    "mentors:release": lambda w: {"pk": w.submission.pk},
    "ai_mentor:conversation": lambda w: {"pk": w.conversation.pk},
    "ai_mentor:delete": lambda w: {"pk": w.conversation.pk},
    "ai_mentor:practice-answer": lambda w: {"pk": w.practice_question.pk},
    "ai_mentor:practice-result": lambda w: {"pk": w.practice_answer.pk},
    "ai_mentor:practice": lambda w: {"track_slug": w.track.slug, "phase_slug": w.phase.slug},
    "ai_mentor:feedback": lambda w: {"pk": w.attempt.pk},
    "ai_mentor:draft": lambda w: {"pk": w.submission.pk},
    "ai_mentor:ask": lambda w: {"track_slug": w.track.slug, "phase_slug": w.phase.slug},
    "reminders:unsubscribe": lambda w: {"token": w.unsubscribe_token},
    "reminders:mark_read": lambda w: {"pk": w.notification.pk},
}


def url_for(name: str, world) -> str:
    return reverse(name, kwargs=ARGS[name](world) if name in ARGS else None)
