"""Accounts: email + password sign-up, mandatory verification, rate-limited log-in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from tests.factories import PASSWORD

SIGNUP = {
    "email": "Ada@Example.com",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def confirmation_path(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", body).group(1)


@pytest.mark.django_db
def test_sign_up_sends_a_verification_email_and_the_link_signs_the_learner_in(client):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "ada@example.com"  # one spelling per address
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[Edirae]")

    path = confirmation_path(mail.outbox[0].body)
    assert client.get(path).status_code == 200  # a page with a button: GET changes nothing
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get("/").wsgi_request.user == user


@pytest.mark.django_db
def test_an_unverified_learner_cannot_log_in_until_verifying(client):
    client.post("/accounts/signup/", SIGNUP)
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": "ada@example.com", "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("123", "123", "This password is too short."),
        ("a-long-enough-passphrase", "a-different-passphrase", "You must type the same password"),
    ],
    ids=["weak", "mismatched"],
)
def test_sign_up_says_what_is_wrong_with_a_weak_or_mismatched_password(
    client, password1, password2, message
):
    response = client.post(
        "/accounts/signup/",
        {"email": "x@example.com", "password1": password1, "password2": password2},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_verified_learner_logs_in_and_out(client, learner):
    response = client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == learner
    client.post("/accounts/logout/")
    assert not client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client, learner):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": learner.email, "password": "wrong"})
        assert "The email address and/or password you specified are not correct." in (
            response.content.decode()
        )
    # Even the right password is refused for a while after five failures on this account.
    response = client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_password_reset_sends_a_link_that_sets_a_new_password(client, learner):
    client.post("/accounts/password/reset/", {"email": learner.email})
    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    response = client.get(path.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path.group(1)
    client.post(
        form_url, {"password1": "brand-new-passphrase-42", "password2": "brand-new-passphrase-42"}
    )
    learner.refresh_from_db()
    assert learner.check_password("brand-new-passphrase-42")


@pytest.mark.django_db
def test_a_learner_changes_their_password(client, learner):
    client.force_login(learner)
    client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-passphrase",
            "password2": "another-long-passphrase",
        },
    )
    learner.refresh_from_db()
    assert learner.check_password("another-long-passphrase")


@pytest.mark.django_db
def test_a_learner_adds_an_email_address_which_must_be_verified(client, learner):
    client.force_login(learner)
    client.post("/accounts/email/", {"action_add": "", "email": "new@test.example"})
    address = EmailAddress.objects.get(email="new@test.example")
    assert address.user == learner and not address.verified
    assert "confirm-email" in mail.outbox[-1].body


@pytest.mark.django_db
def test_account_pages_use_edirae_look(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'class="site-header"' in html
    assert "css/edirae.css" in html
