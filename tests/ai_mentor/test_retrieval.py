"""Retrieval over the seed track: a labelled set of questions, each with the passages that
answer it, measured at 3 (printed with `-s`), and what must never be retrieved."""

import re

import pytest

from ai_mentor import retrieval
from tests.ai_mentor.secrets import SECRET_CHOICE, SECRET_EXPLANATION, SECRET_PROMPT

pytestmark = pytest.mark.django_db

# Question (worded as a learner would, not copied from the content) → labels of the
# passages that answer it. A label ending in "…" matches by prefix.
LABELLED = [
    ("My model is great on the training data but poor on new data. Why?",
     ["Phase 1 · Flashcard: What is overfitting?",
      "Phase 1 · Flashcard: What is the bias-variance trade-off?"]),
    ("How should I containerise my trained model and serve it to other programs?",
     ["Phase 2 · Package a trained model with Docker and deploy it as a web service",
      "Phase 2 · Flashcard: What is a Dockerfile?", "Skill · Docker"]),
    ("Is a PhD required for senior AI engineering jobs?",
     ["FAQ · Do I need a PhD to become a senior AI engineer?"]),
    ("How is an AI engineer different from a data scientist?",
     ["FAQ · What is the difference between an AI engineer and a data scientist?"]),
    ("Which programming languages matter for AI engineers?",
     ["FAQ · What programming languages do AI engineers need?", "Skill · Python"]),
    ("What salary should I expect as an AI engineer?",
     ["FAQ · What salary can AI engineers expect?"]),
    ("How does k-fold cross-validation work?",
     ["Phase 1 · Flashcard: What is k-fold cross-validation?",
      "Phase 1 · Practice: Name the evaluation technique…"]),
    ("How do I compute precision from true positives and false positives?",
     ["Phase 1 · Flashcard: Precision", "Phase 1 · Practice: A spam filter flags…"]),
    ("Why do I have to zero the gradients at every PyTorch training step?",
     ["Phase 2 · Flashcard: Why must gradients be zeroed between steps in PyTorch?",
      "Phase 2 · Flashcard: What are the steps of one PyTorch training iteration?"]),
    ("What is the difference between a Docker image and a container?",
     ["Phase 2 · Flashcard: Docker image versus container"]),
    ("How does a Kubernetes Service send traffic to pods?",
     ["Phase 3 · Flashcard: What is a Kubernetes Service?",
      "Phase 3 · Practice: Which Kubernetes object gives a set of pods…"]),
    ("What is data drift and how can I detect it?",
     ["Phase 3 · Flashcard: What is data drift?",
      "Phase 3 · Practice: Which of these are commonly…"]),
    ("What is a canary release?", ["Phase 3 · Flashcard: What is a canary release?"]),
    ("How do I answer behavioural interview questions well?",
     ["Phase 4 · Flashcard: What is the STAR method?",
      "Phase 4 · Practice: In a behavioural interview…",
      "Phase 4 · Practise system design and behavioural interviews"]),
    ("Why does p99 latency matter more than the average?",
     ["Phase 4 · Flashcard: Why do system designers care about p99 latency?",
      "Phase 4 · Practice: The latency of the slowest requests…", "Phase 4 · Flashcard: Latency"]),
    ("What is retrieval-augmented generation?",
     ["Phase 5 · Flashcard: What is retrieval-augmented generation (RAG)?"]),
    ("How can I protect an LLM application from prompt injection?",
     ["Phase 5 · Flashcard: How do you limit the damage prompt injection can do?",
      "Phase 5 · Flashcard: What is prompt injection, and what is indirect prompt injection?"]),
    ("How much memory do the weights of a 13 billion parameter model need?",
     ["Phase 5 · Practice: How much memory do the weights…",
      "Phase 5 · Flashcard: What is quantisation?"]),
    ("What does a reranker add to retrieval?",
     ["Phase 5 · Flashcard: What does a reranker do in a retrieval pipeline?",
      "Phase 5 · Practice: What does a cross-encoder reranker do in a RAG pipeline?"]),
    ("What is a feature store for?", ["Phase 4 · Flashcard: What is a feature store?"]),
    ("How do I start contributing to open source?",
     ["Phase 3 · Flashcard: How do you make a first open-source contribution?",
      "Phase 3 · Contribute to open-source AI/ML projects"]),
    ("Which certification shows machine learning skills on AWS?",
     ["Certification: AWS Certified Machine Learning - Specialty"]),
    ("Where do I keep versions of trained models?",
     ["Phase 3 · Flashcard: What is a model registry?"]),
    ("How do I keep Docker builds fast with the cache?",
     ["Phase 2 · Flashcard: How does Docker's build cache work, and how do you make use of it?"]),
    ("Should I learn Kubernetes, and when?",
     ["Phase 3 · Learn Kubernetes and the advanced ML services of your cloud provider",
      "Skill · Kubernetes"]),
    ("What does Little's law say?", ["Phase 4 · Flashcard: What is Little's law?"]),
    ("How do I mentor junior engineers?",
     ["Phase 5 · Flashcard: What makes mentoring junior engineers effective?",
      "Phase 5 · Mentor junior engineers and improve how the team works"]),
    ("Can a backend developer move into AI engineering?",
     ["FAQ · Can I move into AI engineering from software engineering?"]),
    ("Where can I find datasets and competitions to practise on?",
     ["Phase 3 · Resource: Kaggle"]),
    ("What is an architecture decision record?",
     ["Phase 5 · Flashcard: What is an architecture decision record (ADR)?"]),
]  # fmt: skip

OFF_TOPIC = [
    "What is the weather in Paris tomorrow?",
    "Give me a recipe for pizza dough",
    "Who painted the Mona Lisa?",
]

# Floors measured on this set: the expected passage is in the top 3 for 27 of 30 questions
# (0.90), precision at 3 0.41 (most questions have one or two relevant passages, so 0.67 is
# about the ceiling). The floors sit a little under the measures. The larger evaluation set
# of the three tracks, with answers, is benchmarks/ai_mentor_eval.yaml.
HIT_FLOOR = 0.85
PRECISION_FLOOR = 0.38


def matches(label: str, expected: str) -> bool:
    return label.startswith(expected[:-1]) if expected.endswith("…") else label == expected


def measure(top3: list[list[str]]) -> tuple[float, float, list[str]]:
    hits, precision, misses = 0, 0.0, []
    for (question, relevant), labels in zip(LABELLED, top3, strict=True):
        found = [label for label in labels if any(matches(label, r) for r in relevant)]
        hits += bool(found)
        precision += len(found) / 3
        if not found:
            misses.append(f"{question} → {labels}")
    return hits / len(LABELLED), precision / len(LABELLED), misses


def test_the_labelled_set_is_big_enough_and_names_real_passages(ai_engineering):
    labels = [p.label for p in retrieval.passages_for_track(ai_engineering)]
    assert len(LABELLED) >= 20
    for _, relevant in LABELLED:
        for expected in relevant:
            assert any(matches(label, expected) for label in labels), expected


def test_retrieval_finds_the_right_passage_for_questions_about_the_seed(ai_engineering):
    top3 = [
        [p.label for p in retrieval.search(track=ai_engineering, query=q, k=3).passages]
        for q, _ in LABELLED
    ]
    hit_rate, precision, misses = measure(top3)
    print(
        f"\nPostgreSQL retrieval on {len(LABELLED)} labelled questions: hit rate at 3 "
        f"{hit_rate:.2f}, precision at 3 {precision:.2f}; misses: {misses}"
    )
    assert hit_rate >= HIT_FLOOR, misses
    assert precision >= PRECISION_FLOOR


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_find_nothing(ai_engineering, question):
    assert retrieval.search(track=ai_engineering, query=question).hits == []


def test_the_phase_being_studied_ranks_its_passages_higher(ai_engineering):
    phase3 = ai_engineering.phases.get(order=3)
    question = "How do I evaluate a model?"
    anywhere = retrieval.search(track=ai_engineering, query=question, k=3).passages
    on_phase3 = retrieval.search(track=ai_engineering, query=question, phase=phase3, k=3).passages
    assert not any(p.phase_id == phase3.pk for p in anywhere)
    assert any(p.phase_id == phase3.pk for p in on_phase3)


def test_assessment_questions_and_quiz_settings_are_never_passages(phase):
    passages = retrieval.passages_for_track(phase.track)
    text = "\n".join(p.label + p.text for p in passages)
    assert SECRET_PROMPT not in text and SECRET_EXPLANATION not in text
    assert SECRET_CHOICE not in text and not re.search(r"\b73\b", text)
    assert {p.kind for p in passages} >= {"phase", "key_action", "resource", "faq", "card"}
    assert "Which file describes how to build a container image?" in text  # practice: yes
    for query in [SECRET_PROMPT, "ZEBRAPORT 8080 port container expose", "pass mark 73"]:
        found = retrieval.search(track=phase.track, query=query, k=10).passages
        assert all("ZEBRAPORT" not in p.text for p in found)


def test_retired_content_is_not_retrieved(phase):
    card = phase.deck.cards.get()
    card.is_active = False
    card.save()
    found = retrieval.search(track=phase.track, query="Dockerfile describe", k=10).passages
    assert card.pk not in {p.pk for p in found if p.kind == "card"}


def found_labels(track, query: str) -> set[str]:
    return {p.label for p in retrieval.search(track=track, query=query, k=10).passages}


def test_every_kind_of_edit_is_searched_at_once(phase, docker_skill, stats_skill):
    """The index is built once per content change (tracks.content_memo): an edit by the
    admin, on any source, on either side of a skill list, shows in the next search."""
    track = phase.track
    assert "Skill · Docker" in found_labels(track, "containers packaging")  # builds the index
    docker_skill.description = "Shipping a model with its whole runtime as an OCI image."
    docker_skill.save()  # a skill is shared: every track listing it moves
    assert "Skill · Docker" in found_labels(track, "OCI runtime image")
    track.skills.remove(docker_skill)
    assert "Skill · Docker" not in found_labels(track, "OCI runtime image")
    docker_skill.tracks.add(track)  # from the skill's side
    assert "Skill · Docker" in found_labels(track, "OCI runtime image")
    docker_skill.tracks.clear()
    assert "Skill · Docker" not in found_labels(track, "OCI runtime image")
    faq = track.faqs.get()
    faq.answer = "Kubernetes operators reconcile the desired state with the cluster."
    faq.save()
    assert f"FAQ · {faq.question}" in found_labels(track, "operators reconcile desired state")
    stats_skill.delete()
    assert "Skill · Statistics" not in found_labels(track, "statistics distributions")


def test_learner_text_cannot_break_the_search_query(phase):
    for query in ["docker & | ! ( ) :* '", "'); DROP TABLE tracks_track; --", "\\x00 docker"]:
        retrieval.search(track=phase.track, query=query)
