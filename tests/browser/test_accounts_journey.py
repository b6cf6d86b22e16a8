import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_signs_up_verifies_the_email_and_lands_signed_in(page):
    page.goto("/")
    page.get_by_role("link", name="Start free").first.click()
    page.get_by_label("Email").fill("newcomer@test.example")
    page.get_by_label("Password:", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again):").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Start free").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(urlsplit(link).path)
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_role("button", name="Log out").wait_for()
