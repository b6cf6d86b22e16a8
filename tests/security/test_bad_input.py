"""The audit's reproductions of bad input: each gets a 4xx or a safe redirect, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ai_mentor.models import MentorConversation
from tests.security.world import World

pytestmark = pytest.mark.django_db

REFUSED = "a character Edirae cannot store"


def test_a_nul_byte_in_the_path_is_refused_without_signing_in(client):
    response = client.get("/plan/calendar/a%00b.ics")
    assert response.status_code == 400 and REFUSED in response.text


@pytest.mark.parametrize("url", ["/tracks/?q=%00", "/learn/?x%00=1", "/ai-mentor/a/b/?skill=%00"])
def test_nul_bytes_in_query_parameters_are_refused(client, url):
    assert client.get(url).status_code == 400


def test_nul_bytes_in_form_fields_are_refused(client, world: World):
    client.force_login(world.users["learner"])
    url = reverse("ai_mentor:ask", args=[world.track.slug, world.phase.slug])
    assert client.post(url, {"question": "What is\x00 a tensor?"}).status_code == 400
    upload = reverse("mentors:submit", args=[world.evidence_key_action.pk])
    multipart = {
        "writeup": "ok\x00",
        "files": SimpleUploadedFile("a.txt", b"\x00 binary file contents are fine"),
    }
    assert client.post(upload, multipart).status_code == 400
    assert not MentorConversation.objects.filter(messages__text__contains="tensor").exists()


def test_a_nul_byte_in_a_cookie_is_refused(client):
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/").status_code == 400


def test_a_binary_file_upload_is_not_mistaken_for_bad_input(client, world: World):
    client.force_login(world.users["other_learner"])
    url = reverse("mentors:submit", args=[world.evidence_key_action.pk])
    upload = SimpleUploadedFile("notes.txt", b"text with a \x00 inside", content_type="text/plain")
    response = client.post(
        url, {"url": "https://github.com/o/p", "writeup": "Done.", "files": upload}
    )
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("target", ["NaN", "//evil.example/", "https://evil.example/", "/\\evil"])
def test_asking_with_a_bad_next_stores_the_question_and_goes_back_to_the_phase(
    client, world: World, target
):
    client.force_login(world.users["learner"])
    url = reverse("ai_mentor:ask", args=[world.track.slug, world.phase.slug])
    response = client.post(url, {"question": "What is a feature store?", "next": target})
    phase_url = reverse("quizzes:phase", args=[world.track.slug, world.phase.slug])
    assert response.status_code == 302 and response.url == f"{phase_url}#ai-mentor"
    assert world.conversation.messages.filter(text="What is a feature store?").exists()


def test_asking_with_a_next_on_this_site_goes_there(client, world: World):
    client.force_login(world.users["learner"])
    url = reverse("ai_mentor:ask", args=[world.track.slug, world.phase.slug])
    response = client.post(url, {"question": "What is a feature store?", "next": "/learn/"})
    assert response.url == "/learn/#ai-mentor"


def test_deleting_a_conversation_with_a_bad_next_deletes_it_and_goes_back(client, world: World):
    client.force_login(world.users["learner"])
    url = reverse("ai_mentor:delete", args=[world.conversation.pk])
    response = client.post(url, {"next": "NaN"})
    assert response.status_code == 302
    assert response.url == reverse("quizzes:phase", args=[world.track.slug, world.phase.slug])
    assert not MentorConversation.objects.filter(pk=world.conversation.pk).exists()


@pytest.mark.parametrize("value", ["-1", "0", "1e3", " 7", "٣", "²", "99999999999999999999"])
def test_starting_evidence_with_a_malformed_key_action_asks_for_a_choice(client, learner, value):
    client.force_login(learner)
    response = client.get(reverse("mentors:start"), {"key_action": value}, follow=True)
    assert response.status_code == 200
    assert "Choose a key action first." in response.text


@pytest.mark.parametrize("value", ["²", "-1", "99999999999999999999"])
def test_a_practice_answer_with_a_malformed_choice_is_graded_not_a_500(client, world: World, value):
    client.force_login(world.users["learner"])
    url = reverse("ai_mentor:practice-answer", args=[world.practice_question.pk])
    assert client.post(url, {"answer": value}).status_code == 302
