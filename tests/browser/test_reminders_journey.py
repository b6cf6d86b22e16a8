import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reminders.kinds import registry
from reminders.models import Notification, ReminderPreference
from tests.browser.people import log_in
from tests.factories import PASSWORD
from tests.reminders.fakes import DailyNudge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kinds():
    with registry.override(DailyNudge()):
        yield


def test_a_learner_sets_reminders_with_the_zone_taken_from_the_browser(page, learner, kinds):
    log_in(page, learner.email, PASSWORD)
    page.goto("/accounts/email/")
    page.get_by_role("link", name="Reminders").click()
    # The browser context runs in Europe/Paris: the empty field is filled from it.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")
    page.get_by_label("Preferred hour").select_option("07:00")
    page.get_by_label("Daily nudge").uncheck()
    page.screenshot(path="/tmp/reminders-var/preferences.png", full_page=True)
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your reminder preferences are saved.")).to_be_visible()
    expect(page.get_by_label("Daily nudge")).not_to_be_checked()
    preference = ReminderPreference.objects.get(user=learner)
    assert (preference.hour, preference.time_zone) == (7, "Europe/Paris")


def test_marking_a_notification_read_updates_the_bell(page, learner):
    for title in ("Twelve cards are due", "Your evidence was reviewed"):
        Notification.objects.create(
            user=learner, kind="x", title=title, url="/tracks/", created_at=timezone.now()
        )
    log_in(page, learner.email, PASSWORD)
    bell = page.locator("#notification-bell")
    expect(bell).to_contain_text("2")
    bell.click()
    page.screenshot(path="/tmp/reminders-var/notifications.png", full_page=True)
    item = page.locator("li", has_text="Twelve cards are due")
    item.get_by_role("button", name="Mark read").click()
    expect(item.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(page.locator("#notification-bell .bell-count")).to_have_text("1")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)
    assert not Notification.objects.filter(read_at=None).exists()
