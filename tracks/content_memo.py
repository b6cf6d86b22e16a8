"""A track's content as its pages show it, memoized per process against its content stamp.

What the dashboard shows of a track's content (the gates' labels, each phase's resources)
depends on that content alone, and every change of it moves `Track.updated_at`
(`progression.content_changed`: the admin's row saves through `watch_content`, a track
file's import in bulk). So a read kept under (what, track, stamp, language) is never stale:
each process reads it once per change, and the stamp comes with the track read in the
request, so several processes never disagree for longer than a request. The memo stays
small (a few tracks, a few reads each) and is emptied when full.
"""

from collections.abc import Callable

from django.utils import translation

from tracks.models import Track

MEMO_SIZE = 256
_memo: dict[tuple[str, int, float, str], object] = {}


def memoized[T](track: Track, what: str, read: Callable[[], T]) -> T:
    """`read()` for `track` as its content stands (`track.updated_at` as read in this
    request); once per process and change of the content. Callers never mutate the value."""
    key = (what, track.pk, track.updated_at.timestamp(), translation.get_language() or "")
    if key in _memo:
        return _memo[key]  # type: ignore[return-value]
    value = read()
    if len(_memo) >= MEMO_SIZE:
        _memo.clear()
    _memo[key] = value
    return value
