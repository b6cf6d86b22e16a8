"""Automated checks a submission passes before it reaches a mentor.

A checker is any callable `(url=..., writeup=...) -> list[Check]`. The default makes no
network request; one that fetches the URL can be configured with `EVIDENCE_PRECHECKER` and
is injected into the services in tests. A *blocking* check that fails stops the submission;
the others are shown to the learner and the mentor as information.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.module_loading import import_string

ALLOWED_SCHEMES = ("https", "http")
MIN_WRITEUP_WORDS = 1


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    message: str
    blocking: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


class Checker(Protocol):
    def __call__(self, *, url: str, writeup: str) -> list[Check]: ...


def check_url(url: str) -> Check:
    if not url:
        return Check("link", True, "No link given: the write-up and files carry the evidence.")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return Check("link", False, "The link must start with https:// or http://.")
    try:
        URLValidator(schemes=list(ALLOWED_SCHEMES))(url)
    except ValidationError:
        return Check("link", False, "The link is not a well-formed web address.")
    if scheme == "http":
        return Check("link", True, "The link is well formed (http: https is better).")
    return Check("link", True, "The link is well formed (https).")


def check_writeup(writeup: str) -> Check:
    words = len(writeup.split())
    if words < MIN_WRITEUP_WORDS:
        return Check("write-up", False, "The write-up is empty: say what you built and how.")
    return Check("write-up", True, f"The write-up has {words} word{'s' if words != 1 else ''}.")


def run_prechecks(*, url: str, writeup: str) -> list[Check]:
    """The default checker: the link's form and scheme, a non-empty write-up. No network."""
    return [check_url(url), check_writeup(writeup)]


def reachability_checker(fetch: Callable[[str], int]) -> Checker:
    """A checker that also asks `fetch(url)` for an HTTP status (informative, not blocking).

    `fetch` is injected so tests never touch the network.
    """

    def checker(*, url: str, writeup: str) -> list[Check]:
        checks = run_prechecks(url=url, writeup=writeup)
        if url and checks[0].passed:
            try:
                status = fetch(url)
            except OSError:
                status = 0
            ok = 200 <= status < 400
            message = (
                "The link answered."
                if ok
                else "We could not open the link: check it is public, or say why in the note."
            )
            checks.append(Check("link answers", ok, message, blocking=False))
        return checks

    return checker


def default_checker() -> Checker:
    return import_string(settings.EVIDENCE_PRECHECKER)


def blocking_failures(checks: list[Check]) -> list[Check]:
    return [check for check in checks if check.blocking and not check.passed]
