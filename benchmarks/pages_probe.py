"""Probing for benchmarks/pages.py (runs in a child process, with Django set up on the
benchmark database): the pages measured, the sessions they are requested with, and each
page's queries and bytes, counted through Django's test client on a second request (the
first fills the caches, as the load's first requests do). Prints JSON.
"""

import json


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def probe() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from mentors.models import Submission
    from quizzes.models import Attempt
    from tracks.models import Track

    learner = User.objects.get(email="learner0@bench.example")
    mentor = User.objects.get(email="mentor@bench.example")
    track = Track.objects.get(slug="ai-engineering")
    phase = track.phases.order_by("order").first()
    attempt = Attempt.objects.filter(learner=learner, state=Attempt.State.IN_PROGRESS).first()
    submission = Submission.objects.filter(learner=learner).first()
    waiting = Submission.objects.filter(state=Submission.State.SUBMITTED).first()
    csrf = "benchmarkcsrftoken0123456789abcd"  # 32 characters: an unmasked CSRF secret
    as_learner = {"sessionid": session_cookie(learner), "csrftoken": csrf}
    as_mentor = {"sessionid": session_cookie(mentor), "csrftoken": csrf}
    phase_args = [track.slug, phase.slug]
    pages = [
        ("bare view (baseline)", "GET", "/bench/bare/", as_learner, {}, False),
        ("dashboard", "GET", reverse("home"), as_learner, {}, False),
        ("track page", "GET", reverse("tracks:detail", args=[track.slug]), as_learner, {}, False),
        ("phase page", "GET", reverse("quizzes:phase", args=phase_args), as_learner, {}, False),
        ("quiz attempt", "GET", reverse("quizzes:attempt", args=[attempt.pk]), as_learner, {}, 0),
        ("card review", "GET", reverse("quizzes:review"), as_learner, {}, False),
        ("my evidence", "GET", reverse("mentors:my_submissions"), as_learner, {}, False),
        ("evidence page", "GET", submission.get_absolute_url(), as_learner, {}, False),
        ("mentor queue", "GET", reverse("mentors:queue"), as_mentor, {}, False),
        ("review page", "GET", reverse("mentors:review", args=[waiting.pk]), as_mentor, {}, 0),
        (
            "AI ask",
            "POST",
            reverse("ai_mentor:ask", args=phase_args),
            as_learner,
            {"question": "Why does scaling before cross-validation leak data?"},
            True,
        ),
        ("notification bell", "GET", reverse("reminders:bell"), as_learner, {}, True),
    ]
    out = []
    client = Client(enforce_csrf_checks=False)
    for name, method, path, cookies, data, htmx in pages:
        client.cookies.clear()
        client.cookies["sessionid"] = cookies["sessionid"]
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        send = client.post if method == "POST" else client.get
        args = (path, data) if method == "POST" else (path,)
        # Counted on the second request, as the load sees the page: the first one fills the
        # caches (the gate report, the AI mentor's index).
        send(*args, **headers)
        with CaptureQueriesContext(connection) as queries:
            response = send(*args, **headers)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {response.status_code}, not 200")
        out.append(
            {
                "name": name,
                "method": method,
                "path": path,
                "cookies": cookies,
                "data": data,
                "htmx": bool(htmx),
                "queries": len(queries),
                "bytes": len(response.content),
            }
        )
    print(json.dumps(out))
