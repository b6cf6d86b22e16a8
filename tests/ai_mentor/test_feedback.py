"""Feedback after a graded attempt: per missed skill, which cards, which resource, which
practice set; lazily loaded on the result page, private to the attempt's learner."""

import pytest
from django.urls import reverse

from ai_mentor import feedback, services
from ai_mentor.models import AIUsage
from quizzes import services as quiz_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_attempt(learner, phase):
    """A graded attempt that missed everything (nothing answered)."""
    attempt = quiz_services.start_attempt(learner=learner, quiz=phase.quiz)
    return quiz_services.grade_attempt(attempt=attempt)


def test_the_plan_names_cards_a_resource_and_practice_per_missed_skill(
    learner, failed_attempt, docker_skill
):
    plan = feedback.feedback_for_attempt(attempt=failed_attempt, learner=learner)
    missed = {item.skill.slug: item for item in plan.skills}
    assert "docker" in missed
    docker = missed["docker"]
    assert [c.front for c in docker.cards] == ["What does a Dockerfile describe?"]
    assert docker.resource.title == "Docker for data scientists"
    assert docker.practice_questions == 1
    assert plan.note.startswith("Your misses cluster on")


def test_the_feedback_fragment_links_to_the_cards_the_resource_and_the_practice_set(
    client, learner, failed_attempt, phase
):
    client.force_login(learner)
    url = reverse("ai_mentor:feedback", args=[failed_attempt.pk])
    html = client.get(url, headers={"HX-Request": "true"}).text
    assert html.lstrip().startswith('<section id="ai-feedback"')
    practice = reverse("ai_mentor:practice", args=[phase.track.slug, phase.slug])
    assert f'href="{practice}?skill=docker"' in html
    assert 'href="https://docs.docker.com/"' in html
    assert "What does a Dockerfile describe?" in html
    assert "study this phase&#x27;s deck" in html or "study this phase's deck" in html


def test_the_note_is_computed_once_per_attempt(client, learner, failed_attempt):
    client.force_login(learner)
    url = reverse("ai_mentor:feedback", args=[failed_attempt.pk])
    client.get(url)
    client.get(url)
    assert AIUsage.objects.filter(kind="feedback").count() == 1


def test_another_learner_cannot_read_the_feedback(client, stranger, failed_attempt):
    client.force_login(stranger)
    assert client.get(reverse("ai_mentor:feedback", args=[failed_attempt.pk])).status_code == 404


def test_the_plan_still_shows_past_the_rate_limit(client, learner, failed_attempt, settings):
    settings.EDIRAE_AI_REQUESTS_PER_HOUR = 1
    services.check_rate(user=learner)
    client.force_login(learner)
    html = client.get(reverse("ai_mentor:feedback", args=[failed_attempt.pk])).text
    assert "You have asked the AI mentor 1 times this hour" in html
    assert "What does a Dockerfile describe?" in html


def test_an_attempt_in_progress_has_no_plan_yet(client, learner, phase):
    attempt = quiz_services.start_attempt(learner=learner, quiz=phase.quiz)
    client.force_login(learner)
    html = client.get(reverse("ai_mentor:feedback", args=[attempt.pk])).text
    assert "Submit the attempt first" in html


def test_the_feedback_has_a_query_budget(
    client, learner, failed_attempt, django_assert_max_num_queries
):
    client.force_login(learner)
    # session, user, attempt, missed skills, cards, resources, practice counts, deck study,
    # retrieval (the track's content stamp, and the passages: this process has not built the
    # track's index yet), usage row, the notification bell
    with django_assert_max_num_queries(12):
        client.get(reverse("ai_mentor:feedback", args=[failed_attempt.pk]))
