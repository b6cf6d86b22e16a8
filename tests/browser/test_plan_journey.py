import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tracks.models import KeyActionProgress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_signs_up_gives_goals_sees_the_plan_and_ticks_without_reload(
    page, ai_engineering
):
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("career-changer@test.example")
    page.get_by_label("Password:", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again):").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Start free").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(urlsplit(link).path)
    page.get_by_role("button", name="Confirm my address").click()

    # Straight to the goal form, the time zone filled in from the browser.
    page.get_by_role("heading", name="Tell us your goals").wait_for()
    assert page.get_by_label("Time zone").input_value() == "Europe/Paris"
    page.get_by_label("Data scientist").check()
    page.get_by_label("Hours per week").fill("10")
    page.get_by_label("Docker").check()
    page.get_by_role("button", name="Make my plan").click()

    page.get_by_text("Your plan for AI Engineering is ready").wait_for()
    assert page.get_by_text("On schedule").is_visible()
    assert page.get_by_text(
        "Opens when you have met the gate of Phase 1: a quiz score of 80 %"
    ).is_visible()
    assert page.locator(".tl-today").count() == 1

    # Tick the first key action: htmx swaps the row and the next action, no page load.
    page.evaluate("window.__sameDocument = true")
    first = page.get_by_role("button", name=re.compile(r"^Done: Work through a Python"))
    assert first.get_attribute("aria-pressed") == "false"
    first.click()
    page.get_by_text("1 of 4 key actions ticked", exact=True).wait_for()
    assert first.get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.__sameDocument") is True
    assert KeyActionProgress.objects.filter(ticked_at__isnull=False).count() == 1
