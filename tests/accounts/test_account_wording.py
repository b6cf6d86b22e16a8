"""The account pages and their messages speak Edirae's words ("Start free", "Log in", "Log
out"), never allauth's stock ones, and every "write to us" is a link."""

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

STOCK = [
    "Sign In",
    "Sign Up",
    "Sign Out",
    "Signup",
    "sign in",
    "sign up",
    "signed in",
    "signed out",
    "Successfully",
    "is an email address for user",
    "contact us",
    "Remember Me",
    "Verify Your Email Address",
    "Password Reset",
    "Reset My Password",
    "Change Password",
    "Set Password",
    "Confirm Email Address",
    "Re-send Verification",
    "Bad Token",
    "Confirm Access",
]
SIGNUP = {
    "email": "ada@test.example",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def main_of(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200, response.status_code
    # The page's own part and its messages: the header's links are checked with the base.
    return html[html.index("<main") : html.index("</main>")]


def assert_our_voice(html: str) -> None:
    found = [s for s in STOCK if s in html]
    assert not found, found
    if "write to us" in html:
        assert re.search(r'<a href="mailto:[^"]+@[^"]+">write to us at ', html)


def test_the_pages_of_a_visitor_speak_our_words(client):
    for url in [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/1-bad/",
        "/accounts/confirm-email/bad-key/",
    ]:
        assert_our_voice(main_of(client.get(url, follow=True)))
    login = main_of(client.get("/accounts/login/"))
    assert "<h1>Log in</h1>" in login and '<button type="submit">Log in</button>' in login
    assert "Keep me logged in on this device" in login
    signup = main_of(client.get("/accounts/signup/"))
    assert "<h1>Start free</h1>" in signup and '<button type="submit">Start free</button>' in signup


def test_sign_up_and_confirmation_speak_our_words_with_a_link_to_write_to_us(client):
    sent = main_of(client.post("/accounts/signup/", SIGNUP, follow=True))
    assert_our_voice(sent)
    assert "<h1>Check your email</h1>" in sent and "write to us at" in sent
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    confirm = main_of(client.get(path.group(1)))
    assert_our_voice(confirm)
    assert "Is <strong>ada@test.example</strong> your address?" in confirm
    assert "Confirm my address" in confirm
    # Confirming logs the learner in: the message says so in our words.
    landed = main_of(client.post(path.group(1), follow=True))
    assert_our_voice(landed)
    assert "Your email address ada@test.example is confirmed." in landed


def test_logging_in_and_out_speak_our_words(client, learner):
    landed = client.post(
        "/accounts/login/", {"login": learner.email, "password": PASSWORD}, follow=True
    )
    assert_our_voice(main_of(landed))
    assert f"Welcome back: you are logged in as {learner.email}." in main_of(landed)
    for url in ["/accounts/logout/", "/accounts/password/change/", "/accounts/email/"]:
        assert_our_voice(main_of(client.get(url)))
    assert "Log out of this device" in main_of(client.get("/accounts/logout/"))
    left = main_of(client.post("/accounts/logout/", follow=True))
    assert_our_voice(left)
    assert "You have logged out." in left


def test_a_password_reset_speaks_our_words(client, learner):
    done = main_of(client.post("/accounts/password/reset/", {"email": learner.email}, follow=True))
    assert_our_voice(done)
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form = main_of(client.get(path.group(1), follow=True))
    assert_our_voice(form)
    assert "Choose a new password" in form


MAIL_STOCK = [
    "Hello from",
    "Thank you for using",
    "You're receiving this",
    "You are receiving this",
    "Please Confirm",
    "Password Reset Email",
    "Unknown Account",
    "Account Already Exists",
    "user account",
    "our database",
]


def assert_our_mail(message) -> None:
    text = f"{message.subject}\n{message.body}"
    found = [s for s in MAIL_STOCK if s in text]
    assert not found, found
    assert message.subject.startswith("[Edirae] ")
    assert "The Edirae team" in message.body


def test_every_account_mail_speaks_our_words(client, learner):
    cache.clear()  # the sign-up limit per address counts the module's earlier sign-ups
    response = client.post("/accounts/signup/", SIGNUP)  # a new address: confirm it
    assert response.status_code == 302, response.content.decode()[-3000:]
    confirm = mail.outbox[-1]
    assert confirm.subject == "[Edirae] Confirm your email address"
    assert "/accounts/confirm-email/" in confirm.body
    client.post("/accounts/signup/", {**SIGNUP, "email": learner.email})  # already there
    already = mail.outbox[-1]
    assert "already exists" in already.body and "/accounts/password/reset/" in already.body
    client.post("/accounts/password/reset/", {"email": learner.email})
    reset = mail.outbox[-1]
    assert "/accounts/password/reset/key/" in reset.body
    client.post("/accounts/password/reset/", {"email": "nobody@test.example"})
    unknown = mail.outbox[-1]
    assert "no account with this address" in unknown.body
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        assert_our_mail(message)
