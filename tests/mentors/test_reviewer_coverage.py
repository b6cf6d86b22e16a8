"""Evidence always reaches a reviewer: publishing needs one, and a track that loses its
mentors falls to the staff's fallback reviewers. The learner is told who will review."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from mentors import selectors, services
from mentors.models import MentorProfile
from tests.factories import evidence, verified_user
from tracks import services as track_services
from tracks.models import Track
from tracks.trackfile import TrackFileError, import_track_files

NO_REVIEWER = "no active mentor covers it and there is no fallback reviewer"


def gate_on_evidence(track: Track) -> None:
    for phase in track.phases.all():
        track_services.set_gate(phase=phase, criteria=[("evidence_approved", {})])


@pytest.fixture
def fallback(db):
    user = verified_user("reviewer@test.example", is_staff=True)
    services.make_fallback_reviewer(user=user)
    return user


def test_a_track_asking_for_evidence_cannot_be_published_with_nobody_to_review(track):
    gate_on_evidence(track)
    assert any(NO_REVIEWER in problem for problem in track_services.publish_problems(track=track))


def test_a_mentor_or_a_fallback_reviewer_makes_it_publishable(track, django_user_model):
    gate_on_evidence(track)
    mentor = MentorProfile.objects.create(user=verified_user("m@test.example"))
    mentor.tracks.add(track)
    assert track_services.publish_problems(track=track) == []
    mentor.is_active = False
    mentor.save()
    assert track_services.publish_problems(track=track) != []
    services.make_fallback_reviewer(user=verified_user("s@test.example", is_staff=True))
    assert track_services.publish_problems(track=track) == []


def test_only_staff_can_be_fallback_reviewers(learner):
    with pytest.raises(Exception, match="only staff"):
        services.make_fallback_reviewer(user=learner)
    with pytest.raises(CommandError, match="only staff"):
        call_command("fallback_reviewer", learner.email)


def test_importing_a_published_seed_with_nobody_to_review_is_refused_and_writes_nothing(
    db, settings
):
    from pathlib import Path

    seed = Path(settings.BASE_DIR) / "tracks" / "content" / "ai-engineering.yaml"
    with pytest.raises(TrackFileError, match=NO_REVIEWER):
        import_track_files([seed])
    assert not Track.objects.exists()


def test_evidence_on_an_uncovered_track_reaches_the_fallback_reviewers_queue(
    learner, key_action, fallback, mentor, client
):
    submission = services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence()
    )
    fallback_profile = fallback.mentor_profile
    # While a mentor covers the track, it is theirs, not the fallback's.
    assert submission not in selectors.queue(profile=fallback_profile)
    MentorProfile.objects.filter(user=mentor).update(is_active=False)
    assert submission in selectors.queue(profile=fallback_profile)
    claimed = services.claim(submission=submission, mentor=fallback)
    assert claimed.claimed_by == fallback
    client.force_login(fallback)
    page = client.get(reverse("mentors:queue")).content.decode()
    assert key_action.text in page


def test_a_mentor_of_another_track_still_cannot_claim_it(learner, key_action, fallback):
    other = MentorProfile.objects.create(user=verified_user("o@test.example"))
    other.tracks.add(Track.objects.create(slug="other", title="Other", status="published"))
    submission = services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence()
    )
    with pytest.raises(services.ClaimRefused):
        services.claim(submission=submission, mentor=other.user)


@pytest.mark.parametrize(
    "who, told",
    [
        ("mentor", "Waiting for a mentor: position 1 in the queue"),
        ("fallback", "one of Edirae's staff reviewers will review your evidence"),
        ("nobody", "No reviewer is available for this track right now"),
    ],
)
def test_the_learner_is_told_who_will_review(who, told, learner, key_action, client, request):
    if who != "nobody":
        request.getfixturevalue(who)
    submission = services.submit_evidence(
        learner=learner, key_action=key_action, evidence=evidence()
    )
    client.force_login(learner)
    page = client.get(submission.get_absolute_url()).content.decode()
    assert told in page
