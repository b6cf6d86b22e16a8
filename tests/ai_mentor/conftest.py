"""Fixtures of the AI mentor: a small track with content of every kind, and a fake
OpenAI-compatible server on 127.0.0.1."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from quizzes.models import Question
from tests.ai_mentor.secrets import SECRET_CHOICE, SECRET_EXPLANATION, SECRET_PROMPT
from tests.factories import (
    CardFactory,
    DeckFactory,
    KeyActionFactory,
    PhaseFactory,
    QuizFactory,
    ResourceFactory,
    SkillFactory,
    numeric,
    single,
)
from tests.mentors import conftest as evidence_fixtures
from tracks.models import FAQ

# The evidence fixtures of tests/mentors (a track, its key action needing evidence, a mentor,
# a rubric), for the pre-review tests.
key_action = evidence_fixtures.key_action
mentor = evidence_fixtures.mentor
rubric = evidence_fixtures.rubric
track = evidence_fixtures.track


@pytest.fixture(autouse=True)
def _local_backend(settings):
    settings.EDIRAE_AI_BACKEND = "local"
    settings.EDIRAE_AI_REQUESTS_PER_HOUR = 30


@pytest.fixture
def docker_skill(db):
    return SkillFactory(slug="docker", name="Docker", description="Packaging code in containers.")


@pytest.fixture
def stats_skill(db):
    return SkillFactory(slug="statistics", name="Statistics", description="Distributions.")


@pytest.fixture
def phase(db, docker_skill, stats_skill):
    """Phase 2 of a published track: key actions, a resource, a FAQ, a quiz with both pools
    (pass mark 73, a number found nowhere else) and a deck."""
    phase = PhaseFactory(
        order=2,
        slug="proficiency",
        title="Develop AI Engineering Proficiency",
        summary="Deep learning, engineering habits and first deployments.",
        track__title="AI Engineering",
    )
    track = phase.track
    track.skills.add(docker_skill, stats_skill)
    action = KeyActionFactory(
        phase=phase,
        order=1,
        text="Package a trained model with Docker and deploy it as a web service",
    )
    action.skills.add(docker_skill)
    KeyActionFactory(phase=phase, order=2, text="Study the fundamentals of statistics")
    ResourceFactory(
        track=track,
        phase=phase,
        title="Docker for data scientists",
        provider="Docker Inc.",
        url="https://docs.docker.com/",
        why="Containers package a model server with its dependencies.",
    )
    ResourceFactory(
        track=track,
        phase=phase,
        title="Statistics without tears",
        provider="A book",
        why="Distributions, sampling and the median explained gently.",
    )
    FAQ.objects.create(
        track=track,
        question="Do I need a PhD?",
        answer="No, a portfolio of real projects matters more.",
    )
    quiz = QuizFactory(phase=phase, pass_mark=73, questions_per_attempt=2, cooldown_minutes=0)
    for i in range(3):
        single(
            quiz,
            skills=[docker_skill],
            key=f"assess-{i}",
            prompt=f"{SECRET_PROMPT} {i}?",
            explanation=SECRET_EXPLANATION,
            right=SECRET_CHOICE,
        )
    single(
        quiz,
        skills=[stats_skill],
        key="assess-stats",
        prompt="What is the variance of a constant?",
        explanation="Zero: the values never move.",
    )
    single(
        quiz,
        skills=[docker_skill],
        key="practice-dockerfile",
        pool=Question.Pool.PRACTICE,
        prompt="Which file describes how to build a container image?",
        explanation="The Dockerfile lists the steps that build the image layer by layer.",
        right="The Dockerfile",
    )
    numeric(
        quiz,
        answer=5.5,
        skills=[stats_skill],
        key="practice-median",
        pool=Question.Pool.PRACTICE,
        prompt="What is the median of 2, 7, 1, 9, 4 and 30?",
        explanation="Sorted: 1, 2, 4, 7, 9, 30; the median is (4 + 7) / 2 = 5.5.",
    )
    deck = DeckFactory(phase=phase, title="Proficiency flashcards")
    card = CardFactory(
        deck=deck,
        front="What does a Dockerfile describe?",
        back="The steps that build a container image: base image, dependencies, the command.",
    )
    card.skills.add(docker_skill)
    return phase


class FakeLLM:
    """An OpenAI-compatible chat-completions server on 127.0.0.1, in a thread.

    Records each request (path, headers, JSON body); answers with `reply` (text), or waits
    `delay` seconds first, or answers `status` with an error body.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.reply = "Package the model in a container and serve it over HTTP [1]."
        self.delay = 0.0
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                if fake.delay:
                    time.sleep(fake.delay)
                if fake.status != 200:
                    self.send_response(fake.status)
                    self.end_headers()
                    self.wfile.write(b'{"error": "boom"}')
                    return
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": fake.reply}}
                    ],
                    "usage": {"prompt_tokens": 321, "completion_tokens": 45},
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_llm(settings):
    with FakeLLM() as fake:
        settings.EDIRAE_AI_BACKEND = "openai"
        settings.EDIRAE_LLM_BASE_URL = fake.url
        settings.EDIRAE_LLM_MODEL = "test-model-7b"
        settings.EDIRAE_LLM_API_KEY = "sk-test-key"
        settings.EDIRAE_LLM_TIMEOUT = 2
        yield fake
