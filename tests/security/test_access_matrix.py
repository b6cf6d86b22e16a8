"""Who may open what: every named URL of the site (the admin sampled) against six personas.

The table below is the promise, in one place: the status each persona gets for a plain
request (GET, or an empty POST for POST-only views). The learner owns every object in the
URLs; `other_learner` is enrolled on the same track; `mentor_elsewhere` mentors another
track. 302 for the anonymous is the redirect to sign in; 404 hides that an object exists.
A URL added to the URLconf without a row here fails `test_every_named_url_has_a_row`.

Each request runs in a savepoint that is rolled back, so a POST by one persona (a claim, a
withdrawal) does not change what the next one sees.
"""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from tests.security.urlmap import admin_sample, named_urls, url_for
from tests.security.world import PERSONAS

# fmt: off
# url name                            method anon learner other elsewh. mentor admin
MATRIX = """
home                                  GET    200   200   200   200   200   200
healthz                               GET    200   200   200   200   200   200
account_login                         GET    200   302   302   302   302   302
account_logout                        GET    302   200   200   200   200   200
account_inactive                      GET    200   200   200   200   200   200
account_signup                        GET    200   302   302   302   302   302
account_reauthenticate                GET    302   200   200   200   200   200
account_email                         GET    302   200   200   200   200   200
account_email_verification_sent       GET    200   200   200   200   200   200
account_change_password               GET    302   200   200   200   200   200
account_set_password                  GET    302   302   302   302   302   302
account_reset_password                GET    200   200   200   200   200   200
account_confirm_login_code            GET    302   302   302   302   302   302
account_confirm_email                 GET    200   200   200   200   200   200
account_reset_password_from_key_done  GET    200   200   200   200   200   200
account_reset_password_from_key       GET    200   200   200   200   200   200
account_reset_password_done           GET    200   200   200   200   200   200
tracks:catalog                        GET    200   200   200   200   200   200
tracks:detail                         GET    200   200   200   200   200   200
tracks:choose                         GET    302   302   302   302   302   302
plan:start                            GET    302   302   302   302   302   302
plan:goals                            GET    302   200   200   200   200   200
plan:gate                             GET    302   302   302   302   302   302
plan:why_open                         GET    302   404   404   404   404   404
plan:key_action                       POST   302   302   404   404   404   404
plan:activate                         POST   302   302   404   404   404   404
plan:settings                         GET    302   200   200   200   200   200
plan:calendar_create                  POST   302   302   302   302   302   302
plan:calendar_revoke                  POST   302   302   302   302   302   302
plan:feed                             GET    200   200   200   200   200   200
quizzes:index                         GET    302   200   200   200   200   200
quizzes:skills                        GET    302   200   200   200   200   200
quizzes:review                        GET    302   200   200   200   200   200
quizzes:rate                          POST   302   302   404   404   404   404
quizzes:start                         POST   302   302   302   302   302   302
quizzes:attempt                       GET    302   200   404   404   404   404
quizzes:save                          POST   302   302   404   404   404   404
quizzes:submit                        POST   302   302   404   404   404   404
quizzes:study                         POST   302   302   302   302   302   302
quizzes:resource-done                 POST   302   302   302   302   302   302
quizzes:phase                         GET    302   200   200   200   200   200
mentors:my_submissions                GET    302   200   200   200   200   200
mentors:start                         GET    302   302   302   302   302   302
mentors:submit                        GET    302   302   200   200   200   200
mentors:submission                    GET    302   200   404   404   404   404
mentors:edit                          GET    302   302   404   404   404   404
mentors:withdraw                      POST   302   302   404   404   404   404
mentors:review_seen                   POST   302   302   404   404   404   404
mentors:file                          GET    302   200   404   404   200   404
mentors:queue                         GET    302   404   404   200   200   404
mentors:stats                         GET    302   404   404   200   200   404
mentors:review                        GET    302   404   404   404   200   404
mentors:claim                         POST   302   404   404   404   302   404
mentors:release                       POST   302   404   404   404   302   404
ai_mentor:conversation                GET    302   200   404   404   404   404
ai_mentor:delete                      GET    302   200   404   404   404   404
ai_mentor:practice-answer             POST   302   302   302   302   302   302
ai_mentor:practice-result             GET    302   200   404   404   404   404
ai_mentor:practice                    GET    302   200   200   200   200   200
ai_mentor:feedback                    GET    302   200   404   404   404   404
ai_mentor:draft                       POST   302   404   404   404   302   404
ai_mentor:ask                         POST   302   302   302   302   302   302
reminders:preferences                 GET    302   200   200   200   200   200
reminders:resume_email                POST   302   302   302   302   302   302
reminders:unsubscribe                 GET    200   200   200   200   200   200
reminders:notifications               GET    302   200   200   200   200   200
reminders:bell                        GET    286   200   200   200   200   200
reminders:mark_all_read               POST   302   302   302   302   302   302
reminders:mark_read                   POST   302   302   404   404   404   404
"""
# fmt: on

ADMIN_EXPECTED = {"anonymous": 302, "learner": 302, "other_learner": 302,
                  "mentor_elsewhere": 302, "mentor": 302, "admin": 200}  # fmt: skip


def parse(table: str) -> dict[str, tuple[str, dict[str, int]]]:
    rows = {}
    for line in table.strip().splitlines():
        name, method, *statuses = line.split()
        assert len(statuses) == len(PERSONAS), f"row {name!r} needs {len(PERSONAS)} statuses"
        rows[name] = (method, dict(zip(PERSONAS, map(int, statuses), strict=True)))
    return rows


EXPECTED = parse(MATRIX)


def test_every_named_url_has_a_row():
    names = [n for n in named_urls() if not n.startswith("admin:")]
    missing = [n for n in names if n not in EXPECTED]
    stale = [n for n in EXPECTED if n not in names]
    assert not missing, f"Add these URLs to the access matrix: {missing}"
    assert not stale, f"These rows name no URL any more: {stale}"


def clients_for(world) -> dict[str, Client]:
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        if world.users[persona] is not None:
            clients[persona].force_login(world.users[persona])
    return clients


def status_of(client: Client, method: str, url: str) -> int:
    cookies = client.cookies
    cache.clear()  # rate limits from one request must not decide the next
    with transaction.atomic():
        response = client.post(url) if method == "POST" else client.get(url)
        transaction.set_rollback(True)
    client.cookies = cookies  # a logout inside the savepoint is rolled back too
    return response.status_code


@pytest.mark.django_db
def test_each_persona_gets_the_status_in_the_table(world):
    names = named_urls()
    rows = {
        name: EXPECTED.get(name, ("GET", {})) for name in names if not name.startswith("admin:")
    }
    rows |= {name: ("GET", ADMIN_EXPECTED) for name in admin_sample(names)}
    wrong = []
    clients = clients_for(world)
    for name, (method, expected) in rows.items():
        url = url_for(name, world)
        actual = {persona: status_of(clients[persona], method, url) for persona in PERSONAS}
        for persona in PERSONAS:
            if actual[persona] != expected.get(persona):
                wrong.append(
                    f"{name} ({method} {url}) as {persona}: {actual[persona]}, "
                    f"the table says {expected.get(persona)}"
                )
    assert not wrong, "\n".join(wrong)
