"""tracks.content_memo: one reading per track and read, replaced when the content moves."""

from datetime import timedelta

import pytest
from django.utils import translation

from tests.factories import build_track
from tracks import content_memo, progression
from tracks.models import Track

pytestmark = pytest.mark.django_db


def test_a_reading_is_reused_until_the_content_moves_and_then_replaced():
    track = Track.objects.get(pk=build_track(phases=1, actions_per_phase=1).pk)
    reads = []

    def read():
        reads.append(track.updated_at)
        return f"reading {len(reads)}"

    assert content_memo.memoized(track, "test", read) == "reading 1"
    assert content_memo.memoized(Track.objects.get(pk=track.pk), "test", read) == "reading 1"
    progression.content_changed(track_id=track.pk)
    track = Track.objects.get(pk=track.pk)
    assert content_memo.memoized(track, "test", read) == "reading 2"
    assert len(reads) == 2
    kept = [key for key in content_memo._memo if key[:2] == ("test", track.pk)]
    assert len(kept) == 1  # the older reading is gone, not kept beside the newer one


def test_an_older_track_object_never_gets_a_newer_reading_and_languages_are_apart():
    track = build_track(phases=1, actions_per_phase=1)
    older = Track.objects.get(pk=track.pk)
    newer = Track.objects.get(pk=track.pk)
    newer.updated_at += timedelta(seconds=1)
    assert content_memo.memoized(newer, "test-2", lambda: "new") == "new"
    assert content_memo.memoized(older, "test-2", lambda: "old") == "old"
    with translation.override("fr"):
        assert content_memo.memoized(older, "test-2", lambda: "français") == "français"
    assert content_memo.memoized(older, "test-2", lambda: "again") == "old"
