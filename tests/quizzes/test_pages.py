"""The Learning Center pages: the index, a phase's center (quiz, deck, resources) and the
resources a learner marks done."""

import pytest
from django.urls import reverse

from quizzes import services
from quizzes.models import ResourceCompletion
from tests.factories import (
    PhaseFactory,
    ResourceFactory,
    TrackFactory,
    build_deck,
    build_quiz,
    build_track,
    enroll,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def phase():
    track = build_track(phases=2, actions_per_phase=1, title="AI Engineering")
    phase = track.phases.get(order=1)
    build_quiz(phase=phase, questions=9, per_attempt=3, cooldown_minutes=30, attempts_per_day=3)
    build_deck(phase=phase, cards=4)
    return phase


def phase_url(phase):
    return reverse("quizzes:phase", args=[phase.track.slug, phase.slug])


def test_the_nav_links_to_the_learning_center_for_signed_in_users(client, learner):
    assert "Learning Center</a>" not in client.get("/").text
    client.force_login(learner)
    assert f'href="{reverse("quizzes:index")}"' in client.get("/").text


def test_the_index_lists_published_phases_and_the_cards_due(client, learner, phase):
    draft = PhaseFactory(track=TrackFactory(status="draft"), title="Secret draft phase")
    services.study_deck(learner=learner, deck=phase.deck)
    client.force_login(learner)
    html = client.get(reverse("quizzes:index")).text
    assert "AI Engineering" in html and phase.title in html
    assert draft.title not in html
    assert '<strong class="lc-big">4</strong> cards due now' in html


def test_the_index_has_a_query_budget_whatever_the_number_of_tracks(
    client, learner, django_assert_max_num_queries
):
    for _ in range(4):
        build_track(phases=5, actions_per_phase=1)
    client.force_login(learner)
    # session, user, phases (+tracks), best scores, the review queue's counts (3), the bell
    with django_assert_max_num_queries(8):
        client.get(reverse("quizzes:index"))


def test_a_phase_center_shows_the_quiz_the_deck_and_the_resources(client, learner, phase):
    client.force_login(learner)
    html = client.get(phase_url(phase)).text
    quiz = phase.quiz
    assert quiz.title in html and "3 drawn from 9" in html and "80 %" in html
    assert "Start an attempt" in html
    assert phase.deck.title in html and "Study this deck" in html
    assert phase.resources.get().title in html and "Mark done" in html


def test_a_phase_center_says_when_the_next_attempt_is_possible(client, learner, phase):
    services.grade_attempt(attempt=services.start_attempt(learner=learner, quiz=phase.quiz))
    client.force_login(learner)
    html = client.get(phase_url(phase)).text
    assert "Your next attempt is possible in 30 min" in html
    assert "Start an attempt" not in html
    assert "not passed" in html


def test_a_phase_of_a_draft_track_is_not_found_for_learners_but_staff_preview_it(
    client, learner, staff
):
    phase = PhaseFactory(track=TrackFactory(status="draft"))
    client.force_login(learner)
    assert client.get(phase_url(phase)).status_code == 404
    client.force_login(staff)
    assert client.get(phase_url(phase)).status_code == 200


def test_the_phase_center_has_a_query_budget(client, learner, phase, django_assert_max_num_queries):
    for _ in range(3):
        attempt = services.start_attempt(learner=learner, quiz=phase.quiz)
        services.grade_attempt(attempt=attempt)
        phase.quiz.cooldown_minutes = 0
        phase.quiz.save()
    for _ in range(5):
        ResourceFactory(track=phase.track, phase=phase)
    client.force_login(learner)
    client.get(phase_url(phase))  # the first view after a content change reads the content
    # session, user, phase, the learner's enrollment (none here), the latest attempts (listed,
    # and what availability reads; kept only for an enrollment), best, the learner's deck
    # figures, their resource completions, the AI mentor's messages, the notification bell
    with django_assert_max_num_queries(10):
        client.get(phase_url(phase))


def test_the_open_phase_page_costs_no_query_to_find_the_open_phase(
    client, learner, small_track, django_assert_max_num_queries
):
    enroll(learner, small_track)
    phase1 = small_track.phases.get(order=1)
    client.force_login(learner)
    assert "What opens Phase 2" in client.get(phase_url(phase1)).content.decode()
    # session, user, phase, the enrollment with this phase's state and the open phase, the
    # deck with the learner's figures, their resource completions, the AI mentor's messages,
    # the notification bell (the gate, the latest attempts and the best score: cached; the
    # content: kept)
    with django_assert_max_num_queries(8):
        response = client.get(phase_url(phase1))
    assert "What opens Phase 2" in response.content.decode()


def test_a_learner_marks_a_resource_done_and_undoes_it_with_htmx(client, learner, phase):
    resource = phase.resources.get()
    client.force_login(learner)
    url = reverse("quizzes:resource-done", args=[resource.pk])
    response = client.post(url, {"done": "1"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith(
        f'<li class="resource lc-resource is-done" id="resource-{resource.pk}"'
    )
    assert "✓ Done" in response.text
    assert client.post(url, {"done": "1"}).status_code == 302  # twice: still one record
    assert ResourceCompletion.objects.filter(learner=learner).count() == 1
    client.post(url, {"done": "0"})
    assert not ResourceCompletion.objects.exists()


def test_marking_a_resource_done_is_per_learner(client, learner, stranger, phase):
    resource = phase.resources.get()
    services.set_resource_done(learner=learner, resource=resource, done=True)
    client.force_login(stranger)
    assert "Mark done" in client.get(phase_url(phase)).text
    client.post(reverse("quizzes:resource-done", args=[resource.pk]), {"done": "0"})
    assert ResourceCompletion.objects.filter(learner=learner).exists()


def test_pages_need_a_signed_in_user(client, phase):
    for url in (
        reverse("quizzes:index"),
        phase_url(phase),
        reverse("quizzes:review"),
        reverse("quizzes:skills"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_no_learning_center_page_uses_inline_styles_or_scripts(client, learner, phase):
    services.study_deck(learner=learner, deck=phase.deck)
    attempt = services.start_attempt(learner=learner, quiz=phase.quiz)
    client.force_login(learner)
    urls = [
        reverse("quizzes:index"),
        phase_url(phase),
        reverse("quizzes:review"),
        reverse("quizzes:skills"),
        reverse("quizzes:attempt", args=[attempt.pk]),
    ]
    for url in urls:
        html = client.get(url).text
        assert "style=" not in html and "<script>" not in html and "onclick" not in html, url
