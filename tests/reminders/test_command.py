"""manage.py reminders: a dry run prints who would get what; a real run sweeps once."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from reminders.models import Reminder
from tests.factories import learner_in, utc

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds", "eager_tasks")]


def run(*args) -> str:
    out = StringIO()
    with time_machine.travel(utc(2026, 11, 23, 7, 10), tick=False):
        call_command("reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_who_would_get_what_and_claims_nothing():
    paris = learner_in("Europe/Paris", hour=8)
    learner_in("America/New_York", hour=8)  # 02:10 there: only the any-hour kind
    output = run("--dry-run")
    assert f"{paris.email}\ttest_daily\t2026-11-23" in output
    assert "america-new_york-8@test.example\ttest_daily" not in output
    assert "america-new_york-8@test.example\ttest_announcement\tonce" in output
    assert "By kind: test_announcement 2, test_daily 1" in output
    assert "3 reminders due now over 2 kinds" in output
    assert not Reminder.objects.exists()


@pytest.mark.django_db(transaction=True)  # the command's own commit enqueues, as in production
def test_without_dry_run_it_sweeps_once():
    learner_in("Europe/Paris", hour=8)
    output = run()
    assert "Claimed 2 reminders and 0 digests; enqueued 2 deliveries" in output
    assert Reminder.objects.filter(state="sent").count() == 2
