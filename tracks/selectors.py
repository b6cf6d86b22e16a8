"""Reads of tracks for pages, with a fixed number of queries whatever the track's size."""

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from tracks.models import Background, KeyAction, Phase, Resource, Track


def catalog() -> QuerySet[Track]:
    """Published tracks with their phase count, for the catalog (one query)."""
    return Track.objects.published().annotate(phase_count=Count("phases")).order_by("title")


def track_for_page(*, slug: str, viewer: User | None) -> Track:
    """A track with everything its page shows. Drafts are visible to staff only (404 else)."""
    tracks = (
        Track.objects.all() if viewer is not None and viewer.is_staff else Track.objects.published()
    )
    return get_object_or_404(
        tracks.prefetch_related(
            Prefetch(
                "phases",
                queryset=Phase.objects.order_by("order").prefetch_related(
                    Prefetch(
                        "key_actions",
                        queryset=KeyAction.objects.order_by("order").prefetch_related("skills"),
                    ),
                    Prefetch("resources", queryset=Resource.objects.order_by("order")),
                ),
            ),
            Prefetch(
                "resources",
                queryset=Resource.objects.filter(phase=None).order_by("order"),
                to_attr="track_resources",
            ),
            Prefetch("backgrounds", queryset=Background.objects.order_by("min_months", "title")),
            "faqs",
        ),
        slug=slug,
    )
