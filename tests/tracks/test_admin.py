"""Admins author tracks through Django admin's forms, with messages that say what is wrong."""

import pytest

from tests.factories import PhaseFactory, SkillFactory, TrackFactory
from tracks.models import KeyAction, Phase, Track


def management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def track_form(phases: list[tuple[int, str, int, int]]) -> dict[str, str]:
    data = {
        "title": "Data Engineering to AI",
        "slug": "data-engineering-to-ai",
        "status": "draft",
        "summary": "From pipelines to models.",
        "description": "",
        "target_role": "AI Engineer",
        "difficulty": "intermediate",
        "typical_duration": "6-9 months",
        "day_in_the_life": "",
        **management("phases", len(phases)),
        **management("resources", 0),
        **management("backgrounds", 0),
        **management("faqs", 0),
    }
    for i, (order, title, low, high) in enumerate(phases):
        data |= {
            f"phases-{i}-order": str(order),
            f"phases-{i}-title": title,
            f"phases-{i}-slug": title.lower().replace(" ", "-"),
            f"phases-{i}-min_weeks": str(low),
            f"phases-{i}-max_weeks": str(high),
        }
    return data


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.django_db
def test_an_admin_creates_a_track_with_its_phases(admin_client):
    data = track_form([(1, "Learn ML", 4, 12), (2, "Ship models", 8, 16)])
    response = admin_client.post("/admin/tracks/track/add/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    track = Track.objects.get(slug="data-engineering-to-ai")
    assert list(track.phases.values_list("order", "title")) == [(1, "Learn ML"), (2, "Ship models")]


@pytest.mark.django_db
def test_a_phase_whose_minimum_is_above_its_maximum_is_refused_with_a_clear_message(admin_client):
    data = track_form([(1, "Learn ML", 4, 12), (2, "Ship", 4, 8), (3, "Deploy", 6, 4)])
    response = admin_client.post("/admin/tracks/track/add/", data)
    assert response.status_code == 200
    assert "Phase 3: minimum weeks 6 is above maximum 4." in response.content.decode()
    assert not Track.objects.exists()


@pytest.mark.django_db
def test_two_phases_with_the_same_order_are_refused(admin_client):
    data = track_form([(1, "Learn ML", 4, 12), (1, "Ship", 4, 8)])
    response = admin_client.post("/admin/tracks/track/add/", data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for order." in response.content.decode()
    assert not Phase.objects.exists()


@pytest.mark.django_db
def test_an_admin_adds_key_actions_to_a_phase(admin_client):
    phase = PhaseFactory(order=1, title="Learn ML", min_weeks=2, max_weeks=6)
    skill = SkillFactory(slug="python", name="Python")
    data = {
        "track": str(phase.track_id),
        "order": "1",
        "title": "Learn ML",
        "slug": phase.slug,
        "summary": "",
        "description": "",
        "min_weeks": "2",
        "max_weeks": "6",
        **management("key_actions", 1),
        **management("resources", 1),
        **management("gate_criteria", 0),
        "key_actions-0-order": "1",
        "key_actions-0-text": "Build a scikit-learn project",
        "key_actions-0-needs_evidence": "on",
        "key_actions-0-skills": [str(skill.pk)],
        "resources-0-order": "1",
        "resources-0-kind": "course",
        "resources-0-title": "fast.ai",
        "resources-0-provider": "fast.ai",
        "resources-0-cost": "free",
        "resources-0-url": "https://course.fast.ai/",
        "resources-0-why": "Practical first.",
    }
    response = admin_client.post(f"/admin/tracks/phase/{phase.pk}/change/", data)
    assert response.status_code == 302
    action = phase.key_actions.get()
    assert action.needs_evidence and list(action.skills.all()) == [skill]
    resource = phase.resources.get()
    assert resource.track_id == phase.track_id  # a phase's resource belongs to its track


@pytest.mark.django_db
def test_skill_prerequisites_may_not_form_a_cycle(admin_client):
    python = SkillFactory(slug="python", name="Python")
    docker = SkillFactory(slug="docker", name="Docker")
    docker.prerequisites.add(python)
    data = {"slug": "python", "name": "Python", "description": "", "prerequisites": [docker.pk]}
    response = admin_client.post(f"/admin/tracks/skill/{python.pk}/change/", data)
    assert response.status_code == 200
    assert "would form a cycle: Python → Docker → Python" in response.content.decode()
    assert not python.prerequisites.exists()


@pytest.mark.django_db
def test_the_track_admin_links_to_the_public_page(admin_client):
    track = TrackFactory()
    html = admin_client.get(f"/admin/tracks/track/{track.pk}/change/").content.decode()
    assert "/admin/r/" in html  # Django's "View on site" redirect


@pytest.mark.django_db
def test_learners_cannot_open_the_admin(client, learner):
    client.force_login(learner)
    response = client.get("/admin/tracks/track/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_a_gate_of_ticks_only_is_refused_in_admin_and_a_good_gate_is_saved(admin_client):
    phase = PhaseFactory(order=1, title="Learn ML", min_weeks=2, max_weeks=6)
    phase.key_actions.create(order=1, text="Ship it", needs_evidence=True)
    base = {
        "track": str(phase.track_id),
        "order": "1",
        "title": "Learn ML",
        "slug": phase.slug,
        "summary": "",
        "description": "",
        "min_weeks": "2",
        "max_weeks": "6",
        **management("key_actions", 0),
        **management("resources", 0),
        **management("gate_criteria", 1),
        "gate_criteria-0-order": "1",
        "gate_criteria-0-kind": "key_actions_done",
        "gate_criteria-0-params": "{}",
    }
    url = f"/admin/tracks/phase/{phase.pk}/change/"
    response = admin_client.post(url, base)
    assert response.status_code == 200
    assert "can be talked past" in response.content.decode()
    assert not phase.gate_criteria.exists()

    good = {
        **base,
        **management("gate_criteria", 2),
        "gate_criteria-1-order": "2",
        "gate_criteria-1-kind": "evidence_approved",
        "gate_criteria-1-params": '{"count": 1}',
    }
    assert admin_client.post(url, good).status_code == 302
    assert list(phase.gate_criteria.values_list("kind", flat=True)) == [
        "key_actions_done",
        "evidence_approved",
    ]


@pytest.mark.django_db
def test_publishing_a_track_with_a_gateless_phase_is_refused(admin_client):
    data = track_form([(1, "Learn ML", 4, 12), (2, "Ship models", 8, 16)])
    admin_client.post("/admin/tracks/track/add/", data)
    track = Track.objects.get()
    phases = list(track.phases.order_by("order"))
    data |= {"status": "published", "phases-INITIAL_FORMS": "2"}
    for i, phase in enumerate(phases):
        data[f"phases-{i}-id"] = str(phase.pk)
        data[f"phases-{i}-track"] = str(track.pk)
    response = admin_client.post(f"/admin/tracks/track/{track.pk}/change/", data)
    assert "Phase 1 (Learn ML) has no gate" in response.content.decode()
    track.refresh_from_db()
    assert track.status == "draft"


@pytest.mark.django_db
def test_publishing_a_track_that_asks_for_evidence_nobody_would_review_is_refused(admin_client):
    from tracks.services import set_gate

    data = track_form([(1, "Learn ML", 4, 12)])
    admin_client.post("/admin/tracks/track/add/", data)
    track = Track.objects.get()
    phase = track.phases.get()
    KeyAction.objects.create(phase=phase, order=1, text="Ship it", needs_evidence=True)
    set_gate(phase=phase, criteria=[("evidence_approved", {})])
    data |= {"status": "published", "phases-INITIAL_FORMS": "1"}
    data |= {"phases-0-id": str(phase.pk), "phases-0-track": str(track.pk)}
    response = admin_client.post(f"/admin/tracks/track/{track.pk}/change/", data)
    assert "no active mentor covers it and there is no fallback reviewer" in (
        response.content.decode()
    )
    track.refresh_from_db()
    assert track.status == "draft"


def phase_form(phase, **extra) -> dict:
    return {
        "track": str(phase.track_id),
        "order": str(phase.order),
        "title": phase.title,
        "slug": phase.slug,
        "summary": "",
        "description": "",
        "min_weeks": str(phase.min_weeks),
        "max_weeks": str(phase.max_weeks),
        **management("key_actions", 0),
        **management("resources", 0),
        **management("gate_criteria", 0),
        **extra,
    }


def new_key_action(i: int, text: str, *, evidence: bool) -> dict[str, str]:
    data = {f"key_actions-{i}-order": str(i + 1), f"key_actions-{i}-text": text}
    if evidence:
        data[f"key_actions-{i}-needs_evidence"] = "on"
    return data


def evidence_gate(count: int) -> dict[str, str]:
    return {
        **management("gate_criteria", 1),
        "gate_criteria-0-order": "1",
        "gate_criteria-0-kind": "evidence_approved",
        "gate_criteria-0-params": f'{{"count": {count}}}',
    }


@pytest.mark.django_db
def test_a_key_action_needing_evidence_and_its_evidence_gate_are_saved_in_one_go(admin_client):
    phase = PhaseFactory(order=1, title="Learn ML", min_weeks=2, max_weeks=6)
    data = phase_form(
        phase,
        **management("key_actions", 1),
        **new_key_action(0, "Ship a model behind an API", evidence=True),
        **evidence_gate(1),
    )
    response = admin_client.post(f"/admin/tracks/phase/{phase.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    action = phase.key_actions.get()
    assert action.needs_evidence and action.key == "ship-a-model-behind-an-api"
    assert list(phase.gate_criteria.values_list("kind", "params")) == [
        ("evidence_approved", {"count": 1})
    ]


@pytest.mark.django_db
def test_a_gate_the_submitted_key_actions_cannot_meet_is_refused_and_nothing_is_saved(
    admin_client,
):
    phase = PhaseFactory(order=1, title="Learn ML", min_weeks=2, max_weeks=6)
    data = phase_form(
        phase,
        **management("key_actions", 2),
        **new_key_action(0, "Ship a model", evidence=True),
        **new_key_action(1, "Read the docs", evidence=False),
        **evidence_gate(2),
    )
    response = admin_client.post(f"/admin/tracks/phase/{phase.pk}/change/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "has 1 key action needing evidence" in html
    assert not phase.key_actions.exists()  # the check's trial write was rolled back
    assert not phase.gate_criteria.exists()


@pytest.mark.django_db
def test_a_new_phase_with_its_key_actions_and_gate_is_created_in_one_save(admin_client):
    track = TrackFactory()
    data = {
        "track": str(track.pk),
        "order": "1",
        "title": "Ship models",
        "slug": "ship-models",
        "summary": "",
        "description": "",
        "min_weeks": "2",
        "max_weeks": "6",
        **management("key_actions", 1),
        **management("resources", 0),
        **new_key_action(0, "Deploy a model", evidence=True),
        **evidence_gate(1),
    }
    response = admin_client.post("/admin/tracks/phase/add/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    phase = Phase.objects.get(slug="ship-models")
    assert phase.key_actions.get().text == "Deploy a model"
    assert phase.gate_criteria.get().kind == "evidence_approved"
    assert Phase.objects.count() == 1  # the trial write left no second phase


@pytest.mark.django_db
def test_set_gate_writes_all_or_nothing(monkeypatch):
    from tracks import services
    from tracks.models import GateCriterion

    phase = PhaseFactory()
    phase.key_actions.create(order=1, text="Ship it", needs_evidence=True)
    services.set_gate(phase=phase, criteria=[("evidence_approved", {"count": 1})])

    def fail(**kwargs):
        raise RuntimeError("trail unavailable")

    monkeypatch.setattr(services, "record_gate_change", fail)
    with pytest.raises(RuntimeError):
        services.set_gate(phase=phase, criteria=[("key_actions_done", {})])
    assert list(GateCriterion.objects.filter(phase=phase).values_list("kind", flat=True)) == [
        "evidence_approved"
    ]
