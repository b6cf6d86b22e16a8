"""Generated requests at every form and htmx endpoint: whatever arrives, never a 500.

Hypothesis builds requests from the URL map (every named URL but the admin's): a persona, a
method, the URL with its real arguments or mangled ones (negative, huge, foreign ids, odd
slugs), htmx or not, and fields named like our forms' (plus stray ones) holding real ids,
known good values, hostile strings (NUL bytes, "NaN", open-redirect `next`s, markup, very
long text) or anything at all, sometimes as raw bytes in the query string. Each request
runs in a rolled-back savepoint, so the world stays as it was.

The normal run tries a bounded number of requests (`FUZZ_EXAMPLES`, 120); `make fuzz` runs
the `fuzz` profile (10,000 or more) and prints how many requests it sent and how many
server errors it met.
"""

import logging
import os
from urllib.parse import quote_from_bytes, urlencode

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.urlmap import ARGS, named_urls
from tests.security.world import PERSONAS

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))

FIELD_NAMES = (  # noqa: SIM905 (a sentence of names reads better than 44 quoted words)
    "next action answer description done key_action question q1 q2 q3 rating reps reset skill "
    "verdict background digest feedback hour hours_per_week note target_date time_zone track "
    "url writeup skills page shown email login password password1 password2 oldpassword "
    "remember code keep_files kind_cards_due kind_inactivity action_add action_remove "
    "action_primary action_send"
).split()

# The fields each endpoint reads (its form's, or its query parameters); most generated
# requests use these, so the fuzzing gets past the form into the code behind it.
ENDPOINT_FIELDS = {
    "account_login": ["login", "password", "remember", "next"],
    "account_signup": ["email", "password1", "password2", "next"],
    "account_reset_password": ["email"],
    "account_change_password": ["oldpassword", "password1", "password2"],
    "account_email": ["email", "action_add", "action_remove", "action_primary", "action_send"],
    "account_reauthenticate": ["password", "next"],
    "account_confirm_login_code": ["code"],
    "account_reset_password_from_key": ["password1", "password2"],
    "tracks:catalog": ["role", "difficulty", "q", "page"],
    "plan:start": ["track", "next"],
    "plan:goals": ["track", "background", "hours_per_week", "time_zone", "target_date", "skills"],
    "plan:settings": ["background", "hours_per_week", "time_zone", "target_date", "skills"],
    "plan:gate": ["shown"],
    "plan:key_action": ["done"],
    "quizzes:save": ["q1", "q2", "q3"],
    "quizzes:submit": ["q1", "q2", "q3"],
    "quizzes:rate": ["rating", "reps"],
    "quizzes:resource-done": ["done"],
    "mentors:start": ["key_action"],
    "mentors:submit": ["url", "writeup", "note", "action"],
    "mentors:edit": ["url", "writeup", "note", "action", "keep_files"],
    "mentors:review": ["verdict", "feedback", "criterion_1", "criterion_2"],
    "ai_mentor:ask": ["question", "next"],
    "ai_mentor:delete": ["next"],
    "ai_mentor:practice": ["skill"],
    "ai_mentor:practice-answer": ["answer", "skill"],
    "ai_mentor:practice-result": ["skill"],
    "reminders:preferences": ["hour", "time_zone", "digest", "kind_cards_due", "kind_inactivity"],
    "reminders:unsubscribe": ["kinds", "action"],
}

HOSTILE = [
    "How do I deploy a model as a web service?",
    "",
    "\x00",
    "a\x00b",
    "NaN",
    "-1",
    "0",
    "99999999999999999999",
    "1e3",
    " 7",
    "٣",
    "²",
    "//evil.example/",
    "/\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "approve",
    "request_changes",
    "draft",
    "UTC",
    "Europe/Paris",
    "Mars/Olympus",
    "software-engineer",
    "true",
    "on",
    "2026-02-30",
    "x" * 5000,
]


class Stats:
    requests = 0
    server_errors = 0


def world_values(world) -> list[str]:
    ids = {
        world.track.pk,
        world.phase.pk,
        world.enrollment.pk,
        world.quiz.pk,
        world.attempt.pk,
        world.card.pk,
        world.deck.pk,
        world.submission.pk,
        world.practice_question.pk,
        world.notification.pk,
        *world.practice_question.choices.values_list("pk", flat=True),
    }
    return [str(pk) for pk in ids] + [world.track.slug, world.phase.slug, "/learn/", "/"]


def endpoints() -> list[str]:
    return [name for name in named_urls() if not name.startswith("admin:")]


def mangled_kwargs(draw, name: str, world) -> dict | None:
    kwargs = ARGS[name](world) if name in ARGS else None
    if not kwargs or not draw(st.booleans()):
        return kwargs
    mangled = {}
    for key, value in kwargs.items():
        if isinstance(value, int):
            mangled[key] = draw(st.integers(min_value=0, max_value=10**20))
        else:  # slugs and tokens: odd text, NUL bytes (a `str` segment takes them) included
            mangled[key] = draw(
                st.one_of(
                    st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True),
                    st.sampled_from(["a\x00b", "\x00", "NaN", "%00", "..", "x" * 300]),
                )
            )
    return mangled


@st.composite
def requests(draw, world):
    name = draw(st.sampled_from(endpoints()))
    kwargs = mangled_kwargs(draw, name, world)
    try:
        url = reverse(name, kwargs=kwargs)
    except Exception:  # a mangled value the pattern refuses: keep the real arguments
        url = reverse(name, kwargs=ARGS[name](world) if name in ARGS else None)
    value = st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(world_values(world)),
        st.text(max_size=60),
    )
    own = ENDPOINT_FIELDS.get(name, FIELD_NAMES)
    fields = draw(
        st.dictionaries(
            st.one_of(
                st.sampled_from(own),
                st.sampled_from(own),
                st.sampled_from(own),
                st.sampled_from(FIELD_NAMES),
                st.text(min_size=1, max_size=12),
            ),
            st.lists(value, min_size=1, max_size=3),
            max_size=6,
        )
    )
    raw = draw(st.one_of(st.just(b""), st.just(b""), st.just(b""), st.binary(max_size=40)))
    return {
        "persona": draw(st.sampled_from([*PERSONAS, "learner", "learner", "mentor"])),
        "method": draw(st.sampled_from(["GET", "POST"])),
        "url": url,
        "fields": fields,
        "raw_query": quote_from_bytes(raw, safe="=&"),
        "htmx": draw(st.booleans()),
    }


def send(clients: dict[str, Client], request: dict) -> int:
    client = clients[request["persona"]]
    headers = {"HX-Request": "true"} if request["htmx"] else {}
    query = urlencode(request["fields"], doseq=True)
    cookies = client.cookies
    cache.clear()  # so rate limits do not hide the code behind them
    mail.outbox = []
    with transaction.atomic():
        if request["method"] == "GET":
            sep = "&" if query and request["raw_query"] else ""
            response = client.get(
                f"{request['url']}?{query}{sep}{request['raw_query']}", headers=headers
            )
        else:
            url = (
                f"{request['url']}?{request['raw_query']}"
                if request["raw_query"]
                else request["url"]
            )
            response = client.post(url, request["fields"], headers=headers)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


@pytest.fixture(scope="module", autouse=True)
def _report():
    # Thousands of 4xx warnings would bury the report; server errors are logged as ERROR.
    request_log = logging.getLogger("django.request")
    saved = request_log.level
    request_log.setLevel(logging.ERROR)
    yield
    request_log.setLevel(saved)
    if os.environ.get("FUZZ_REPORT"):
        print(f"\nFuzz: {Stats.requests} generated requests, {Stats.server_errors} server errors")


@pytest.mark.django_db
def test_no_generated_request_gets_a_server_error(world):
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        if world.users[persona] is not None:
            clients[persona].force_login(world.users[persona])

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests(world))
    def check(request):
        Stats.requests += 1
        try:
            status = send(clients, request)
        except Exception:
            Stats.server_errors += 1
            raise
        if status >= 500:
            Stats.server_errors += 1
        assert status < 500, f"{status} for {request}"

    check()
