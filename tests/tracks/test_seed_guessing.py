"""No quiz of a seed track can be passed by a learner who knows nothing and always picks the
longest choice (on "select all that apply", every choice), however lucky the draw: the rule
of `manage.py check_content` (`tracks.content_check.longest_guess`), with a margin."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tracks.content_check import longest_guess

SEEDS = sorted((Path(settings.BASE_DIR) / "tracks" / "content").glob("*.yaml"))
PHASES = [
    (path.stem, phase["order"], phase["quiz"])
    for path in SEEDS
    for phase in yaml.safe_load(path.read_text(encoding="utf-8"))["phases"]
]


@pytest.mark.parametrize(("track", "order", "quiz"), PHASES, ids=[f"{t}-{o}" for t, o, _ in PHASES])
def test_picking_the_longest_choice_cannot_pass_even_the_luckiest_draw(track, order, quiz):
    guess = longest_guess(quiz)
    assert not guess.passes, guess
    # With room to spare: at most a third of the right answers an attempt needs (2 of 7), so a
    # few careless edits do not open the phase to guessing.
    assert len(guess.keys) <= guess.needed // 3, guess.keys
