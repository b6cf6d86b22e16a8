"""What tests read off a rendered page."""

import re

_UTC = re.compile(r"\bUTC\b")


def says_utc(html: str) -> bool:
    """Whether the page names UTC: as a word, since a random token (CSRF) may hold the
    letters (one did, and failed a run)."""
    return _UTC.search(html) is not None
