"""A track's content as its pages show it, memoized per process against its content stamp.

What the dashboard shows of a track's content (its phases, the gates' labels, each phase's
resources) and the AI mentor's index of it depend on that content alone, and every change
of it moves `Track.updated_at`
(`progression.content_changed`: the admin's row saves through `watch_content`, a track
file's import in bulk). So a read kept under (what, track, stamp, language) is never stale:
each process reads it once per change, and the stamp comes with the track read in the
request, so several processes never disagree for longer than a request. The memo keeps one
reading per track and read (a newer stamp replaces the older reading), so it stays small.
"""

from collections.abc import Callable

from django.utils import translation

from tracks.models import Track

MEMO_SIZE = 256
# (what, track, language) -> (the content stamp it was read at, the value): one entry each,
# replaced when the stamp moves, so an older reading is never kept beside a newer one.
_memo: dict[tuple[str, int, str], tuple[float, object]] = {}


def memoized[T](track: Track, what: str, read: Callable[[], T]) -> T:
    """`read()` for `track` as its content stands (`track.updated_at` as read in this
    request); once per process and change of the content. Callers never mutate the value."""
    key = (what, track.pk, translation.get_language() or "")
    stamp = track.updated_at.timestamp()
    kept = _memo.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]  # type: ignore[return-value]
    value = read()
    if len(_memo) >= MEMO_SIZE and key not in _memo:
        _memo.clear()
    _memo[key] = (stamp, value)
    return value
