"""Sign-up and password reset do the same work whether or not the address is registered, so
neither the page nor the time tells them apart (the audit: 0.10 s against 1.32 s). The
expensive part of sign-up is hashing the password; each path must hash once and send one
mail. (`benchmarks/signup_timing.py` measures the times with the production hasher.)"""

import pytest
from django.core import mail
from django.urls import reverse

from tests.security.hashers import CountingHasher

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.security.hashers.CountingHasher"]


def work_for(client, url, data) -> tuple[int, str, int, int]:
    """(status, redirect, passwords hashed, mails sent) of one POST."""
    CountingHasher.hashed = 0
    mail.outbox = []
    response = client.post(url, data)
    return response.status_code, response.get("Location"), CountingHasher.hashed, len(mail.outbox)


def signup(email):
    return {"email": email, "password1": "a-long-new-pass", "password2": "a-long-new-pass"}


def test_signing_up_with_a_registered_address_does_the_same_work_as_a_new_one(client, learner):
    new = work_for(client, reverse("account_signup"), signup("new@test.example"))
    client.logout()
    taken = work_for(client, reverse("account_signup"), signup(learner.email))
    assert new == taken == (302, reverse("account_email_verification_sent"), 1, 1)
    assert "already" in mail.outbox[0].body.lower()  # the owner hears of the attempt


def test_a_password_reset_for_an_unknown_address_does_the_same_work(client, learner):
    known = work_for(client, reverse("account_reset_password"), {"email": learner.email})
    unknown = work_for(client, reverse("account_reset_password"), {"email": "nobody@test.example"})
    assert known == unknown == (302, reverse("account_reset_password_done"), 0, 1)
