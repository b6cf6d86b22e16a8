import factory

from accounts.models import User
from tracks.models import KeyAction, Phase, Resource, Skill, Track

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.Sequence(lambda n: f"Skill {n}")


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"track-{n}")
    title = factory.Sequence(lambda n: f"Track {n}")
    summary = "A path to a role."
    target_role = "AI Engineer"
    difficulty = Track.Difficulty.INTERMEDIATE
    typical_duration = "6-12 months"
    status = Track.Status.PUBLISHED


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    track = factory.SubFactory(TrackFactory)
    order = factory.Sequence(lambda n: n + 1)
    slug = factory.Sequence(lambda n: f"phase-{n}")
    title = factory.Sequence(lambda n: f"Phase title {n}")
    min_weeks = 4
    max_weeks = 12


class KeyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyAction

    phase = factory.SubFactory(PhaseFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Do thing {n}")


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    track = factory.SubFactory(TrackFactory)
    kind = Resource.Kind.COURSE
    title = factory.Sequence(lambda n: f"Course {n}")


def build_track(*, phases: int, actions_per_phase: int, **fields) -> Track:
    """A published track with `phases` phases of `actions_per_phase` key actions each."""
    track = TrackFactory(**fields)
    skill = SkillFactory()
    track.skills.add(skill)
    for p in range(1, phases + 1):
        phase = PhaseFactory(track=track, order=p, slug=f"phase-{p}", title=f"Phase {p}")
        ResourceFactory(track=track, phase=phase)
        for a in range(1, actions_per_phase + 1):
            action = KeyActionFactory(phase=phase, order=a, text=f"Action {p}.{a}")
            action.skills.add(skill)
    ResourceFactory(track=track, kind=Resource.Kind.CERTIFICATION)
    return track
