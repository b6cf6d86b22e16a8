"""What a person does in the browser, for the journeys: log in by the form, arrive logged
in, check a page with axe-core, and a mentor's moves on the review page."""

import re
from pathlib import Path

from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password:").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def sign_in(page, user) -> None:
    """The session of `user` in the browser (logging in by form is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": page.context._base_url}]
    )


def assert_accessible(page) -> None:
    # Evaluated through the DevTools protocol: the page's strict CSP refuses inline scripts.
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    assert not found, found


def score(page, criterion: str, level: str) -> None:
    group = page.get_by_role("group", name=re.compile(criterion))
    group.get_by_role("radio", name=re.compile(re.escape(level))).check()


def claim_first(page) -> None:
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("button", name=re.compile("^Claim")).first.click()
    expect(
        page.get_by_text("Approval needs every criterion at or above its pass level.")
    ).to_be_visible()
