import pytest

from mentors import services
from mentors.models import Rubric, RubricCriterion, RubricLevel
from tests.factories import build_track, evidence, make_mentor


@pytest.fixture
def track(db):
    """A published track of two phases; the first key action of each needs evidence."""
    track = build_track(phases=2, actions_per_phase=2, title="AI Engineering")
    for phase in track.phases.all():
        phase.key_actions.filter(order=1).update(needs_evidence=True)
    return track


@pytest.fixture
def key_action(track):
    return track.phases.get(order=1).key_actions.get(order=1)


@pytest.fixture
def mentor(track):
    return make_mentor("mentor@test.example", track)


@pytest.fixture
def other_mentor(track):
    return make_mentor("other-mentor@test.example", track)


@pytest.fixture
def rubric(key_action):
    """The phase's rubric: two criteria scored 1-3, each passing at 2."""
    rubric = Rubric.objects.create(phase=key_action.phase, title="Project rubric")
    for order, title in enumerate(["Working code", "Explanation"], start=1):
        criterion = RubricCriterion.objects.create(
            rubric=rubric, order=order, title=title, pass_score=2
        )
        for score, label in [(1, "Not yet"), (2, "Solid"), (3, "Exemplary")]:
            RubricLevel.objects.create(criterion=criterion, score=score, label=label)
    return rubric


@pytest.fixture
def submitted(learner, key_action):
    return services.submit_evidence(learner=learner, key_action=key_action, evidence=evidence())


@pytest.fixture
def claimed(submitted, mentor):
    return services.claim(submission=submitted, mentor=mentor)
