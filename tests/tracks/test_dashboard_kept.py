"""What the dashboard keeps between requests is never stale: the track's content memoized per
process (`tracks.content_memo`: phases, resources, gate labels) and the rendered plan
overview (the timeline and the list of phases, under `Dashboard.overview_key`). After each
kind of change the very next page shows it."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.urls import reverse
from django.utils import timezone

from tests.factories import build_track, enroll, goals_for, set_gate
from tracks import progression, services
from tracks.models import Enrollment, KeyActionProgress, Resource
from tracks.trackfile import dump_yaml, export_track, import_track_specs, parse_track_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def track(db):
    """Two phases of two key actions, each opening on its key actions and approved work."""
    track = build_track(phases=2, actions_per_phase=2)
    for phase in track.phases.all():
        phase.key_actions.filter(order=2).update(needs_evidence=True)
        set_gate(phase, ("key_actions_done", {}), ("evidence_approved", {}))
    return track


@pytest.fixture
def page(client, learner, track):
    enroll(learner, track)
    client.force_login(learner)

    def get() -> str:
        response = client.get("/")
        assert response.status_code == 200
        return response.content.decode()

    get()  # the first page fills what is kept
    return get


def tick_phase(client, learner, order: int) -> None:
    """Tick every key action of phase `order` through the page's own form."""
    rows = KeyActionProgress.objects.filter(
        enrollment__learner=learner, key_action__phase__order=order
    )
    for progress in rows:
        response = client.post(reverse("plan:key_action", args=[progress.pk]), {"done": "1"})
        assert response.status_code in (200, 302)


def test_a_resource_edited_added_or_removed_in_the_admin_shows_at_once(page, track):
    resource = Resource.objects.get(phase__order=1)
    assert resource.title in page()
    resource.title = "Hands-On Machine Learning, 3rd edition"
    resource.save()
    assert "Hands-On Machine Learning, 3rd edition" in page()
    added = Resource.objects.create(
        track=track, phase=resource.phase, order=2, kind=Resource.Kind.BOOK, title="Deep Work"
    )
    assert "Deep Work" in page()
    added.delete()
    resource.delete()
    body = page()
    assert "Deep Work" not in body
    assert "Hands-On Machine Learning" not in body


def test_a_phase_renamed_in_the_admin_shows_in_the_plan_overview(page, track):
    phase2 = track.phases.get(order=2)
    assert "Phase 2 · Phase 2" in page()
    phase2.title = "Shipping models"
    phase2.save()
    assert "Phase 2 · Shipping models" in page()


def test_a_track_file_reimport_shows_its_new_wording_at_once(client, learner, small_track):
    enroll(learner, small_track)
    client.force_login(learner)
    assert client.get("/").status_code == 200  # fills what is kept
    data = yaml.safe_load(export_track(small_track))
    data["phases"][1]["title"] = "Serving and monitoring"
    data["phases"][0]["resources"][0]["title"] = "Designing Machine Learning Systems"
    import_track_specs([parse_track_file(dump_yaml(data), name="edited.yaml")])
    body = client.get("/").content.decode()
    assert "Phase 2 · Serving and monitoring" in body
    assert "Designing Machine Learning Systems" in body


def phase_item(body: str, css: str) -> str:
    """The plan overview's list item with class `css` (up to its end)."""
    start = body.index(f'<li class="{css}')
    return body[start : body.index("</li>", start)]


def waive_the_rest_of_phase_1(learner) -> None:
    """Staff waive what is left of phase 1's gate: progress moves as when a gate is met."""
    enrollment = Enrollment.objects.get(learner=learner)
    staff = type(learner).objects.create(email="staff@test.example", is_staff=True)
    progression.grant_exemption(
        enrollment=enrollment,
        phase=enrollment.track.phases.get(order=1),
        staff=staff,
        reason="Shipped the same project at work",
    )


def test_the_overview_follows_the_gate_and_the_phase_opening(page, client, learner):
    assert "Gate: 0 of 2 criteria met" in page()
    tick_phase(client, learner, 1)
    assert "Gate: 1 of 2 criteria met" in page()  # key actions done, no approved work yet
    waive_the_rest_of_phase_1(learner)
    body = page()
    assert "Phase 1 · Phase 1" in phase_item(body, "plan-phase plan-phase-mastered")
    current = phase_item(body, "plan-phase plan-phase-unlocked is-current")
    assert "Phase 2 · Phase 2" in current
    assert "Gate: 0 of 2 criteria met" in current  # phase 2's own gate now


def checklist(body: str) -> str:
    start = body.index('<section id="gate"')
    return body[start : body.index("</section>", start)]


def test_the_gate_checklist_follows_the_evidence_and_the_phase_opening(page, client, learner):
    assert "0 of 2 criteria met. Only evidence opens the next phase." in checklist(page())
    tick_phase(client, learner, 1)
    shown = checklist(page())
    assert "1 of 2 criteria met. Only evidence opens the next phase." in shown
    assert "What opens Phase 2" in shown
    waive_the_rest_of_phase_1(learner)
    shown = checklist(page())  # phase 2's own gate, the last phase's
    assert "What masters Phase 2, the last phase" in shown and "0 of 2 criteria met" in shown


def test_the_overview_follows_the_day(page):
    # Twenty minutes apart, across the next midnight in the learner's zone (Paris).
    paris = ZoneInfo("Europe/Paris")
    midnight = datetime.combine(timezone.localdate(timezone=paris), time(), paris)
    midnight += timedelta(days=1)
    with time_machine.travel(midnight - timedelta(minutes=10), tick=False):
        assert f"today is {midnight - timedelta(days=1):%-d %b %Y}" in page()
    with time_machine.travel(midnight + timedelta(minutes=10), tick=False):
        assert f"today is {midnight:%-d %b %Y}" in page()


def test_the_overview_follows_new_goals(page, learner, track):
    def phase_dates(body: str) -> list[str]:
        overview = body[body.index('<ol class="plan-phases">') :]
        lines = (line.strip() for line in overview.splitlines())
        return [
            line for line in lines if line.startswith('<p class="meta">') and " \u2013 " in line
        ]

    before = phase_dates(page())
    services.save_goals(learner=learner, goals=goals_for(track, background="newcomer", hours=2))
    after = phase_dates(page())
    assert before and after
    assert after != before  # two hours a week: longer phases, later dates


def test_a_reworded_shared_skill_reaches_every_track_listing_it(small_track):
    """A file's import rewrites skills shared with other tracks: those tracks see the new
    wording too (the AI mentor searches it)."""
    from ai_mentor import retrieval
    from tracks.models import Skill

    other = build_track(phases=1, actions_per_phase=1)
    other.skills.add(Skill.objects.get(slug="python"))
    retrieval.search(track=other, query="python notebooks")  # builds the other's index
    data = yaml.safe_load(export_track(small_track))
    python = next(skill for skill in data["skills"] if skill["slug"] == "python")
    python["description"] = "Writing Python with type hints, virtual environments and pytest."
    import_track_specs([parse_track_file(dump_yaml(data), name="edited.yaml")])
    found = retrieval.search(track=other, query="type hints virtual environments pytest")
    assert "Skill · Python" in {passage.label for passage in found.passages}
