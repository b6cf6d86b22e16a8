"""The registry of reminder kinds: small pluggable units, registered by the app owning the data.

A kind says *who is due now* (`due`, set-based: a fixed number of queries whatever the number
of users) and *what to say* (`content`, or `render` for a kind that wants its own email).
The sweep (`reminders.services.sweep`) does everything else: eligibility (active, verified,
opted in, at their hour) and the claim; `reminders.delivery` the delivery. An app registers
its kinds when it is ready::

    class CardsDue(Kind):
        key = "cards_due"
        ...

    class QuizzesConfig(AppConfig):
        def ready(self):
            from reminders.kinds import registry
            registry.register(CardsDue())
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from accounts.models import User
    from reminders.models import Reminder


@dataclass(frozen=True)
class Due:
    """One user due for one reminder of a kind, once per `period`."""

    user_id: int
    period: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Content:
    """What a reminder says: the email's subject and heading, and the in-app notification."""

    subject: str
    title: str
    body: str
    url: str = "/"
    action: str = "Open Edirae"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    title: str
    body: str
    url: str


class Kind:
    """Base class of a reminder kind. Subclasses set the class attributes and implement
    `due` and `content`."""

    key: str = ""
    label: str = ""
    description: str = ""
    # Hour-bound kinds go out at the user's preferred local hour only.
    hour_bound: bool = True

    def due(self, *, now: datetime, recipients: QuerySet["User"]) -> Iterable[Due]:
        """Users due now, among `recipients`: users already known to be active, verified,
        opted in to this kind and (for hour-bound kinds) at their preferred hour, annotated
        with `reminder_time_zone` (an IANA name). Must run a fixed number of queries (filter
        `recipients` or use it as a subquery); never one query per user."""
        raise NotImplementedError

    def content(self, *, reminder: "Reminder") -> Content:
        raise NotImplementedError

    def render(
        self, *, reminder: "Reminder", site_url: str, unsubscribe_url: str, preferences_url: str
    ) -> Rendered:
        """The email (text and HTML) and the in-app notification of one reminder. The URLs
        are absolute."""
        content = self.content(reminder=reminder)
        context = {
            "content": content,
            "kind": self,
            "action_url": site_url + content.url,
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": preferences_url,
        }
        return Rendered(
            subject=content.subject,
            text=render_to_string("reminders/email/reminder.txt", context),
            html=render_to_string("reminders/email/reminder.html", context),
            title=content.title,
            body=content.body,
            url=content.url,
        )


class Registry:
    def __init__(self) -> None:
        self._kinds: dict[str, Kind] = {}

    def register(self, kind: Kind) -> Kind:
        if not kind.key or not kind.label:
            raise ValueError(f"{kind!r} needs a key and a label.")
        if kind.key == DIGEST:
            raise ValueError(f"{DIGEST!r} is reserved for the daily digest.")
        existing = self._kinds.get(kind.key)
        if existing is not None and type(existing) is not type(kind):
            raise ValueError(f"Two reminder kinds share the key {kind.key!r}.")
        self._kinds[kind.key] = kind
        return kind

    def get(self, key: str) -> Kind | None:
        return self._kinds.get(key)

    def all(self) -> list[Kind]:
        """Registered kinds, in a stable order (by label)."""
        return sorted(self._kinds.values(), key=lambda kind: kind.label)

    def __contains__(self, key: str) -> bool:
        return key in self._kinds

    @contextmanager
    def override(self, *kinds: Kind) -> Iterator[None]:
        """Replace the registered kinds for the duration of a block (tests, benchmarks)."""
        saved = self._kinds
        self._kinds = {}
        try:
            for kind in kinds:
                self.register(kind)
            yield
        finally:
            self._kinds = saved


# The daily digest is built in: it is not a kind of its own, it carries other kinds' reminders.
DIGEST = "digest"

registry = Registry()
