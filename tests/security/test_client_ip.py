"""One client-address decision behind trusted proxies, used by every per-address limit."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from edirae.http import client_ip
from tests.factories import PASSWORD, verified_user

BALANCER = "10.0.0.1"


def request(remote="203.0.113.9", **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(**{"X-Forwarded-For": "198.51.100.7"})) == "203.0.113.9"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own claim is skipped
        (2, "6.6.6.6, 198.51.100.7, 192.0.2.1", "198.51.100.7"),  # CDN, then balancer
        (2, "198.51.100.7", BALANCER),  # fewer hops than proxies: not through them all
        (1, "not-an-address", BALANCER),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_with_n_trusted_proxies_it_takes_the_nth_address_from_the_right(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request(BALANCER, **{"X-Forwarded-For": forwarded})) == expected


def test_a_trusted_header_wins_and_falls_back_to_the_peer(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request(BALANCER, **{"X-Real-IP": "198.51.100.7"})) == "198.51.100.7"
    assert client_ip(request(BALANCER)) == BALANCER


def bad_logins(client, email, address, times):
    for attempt in range(times):
        client.post(
            reverse("account_login"),
            {"login": email, "password": f"wrong-{attempt}"},
            headers={"X-Forwarded-For": address},
            REMOTE_ADDR=BALANCER,
        )


def login(client, email, address):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": PASSWORD},
        headers={"X-Forwarded-For": address},
        REMOTE_ADDR=BALANCER,
    )


@pytest.mark.django_db
def test_behind_the_balancer_one_address_guessing_locks_out_only_itself(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker, victim = "198.51.100.66", "198.51.100.7"
    mine = verified_user("attacker@test.example")
    person = verified_user("person@test.example")
    for n in range(10):  # a spray over ten accounts: the per-address limit is 10 a minute
        bad_logins(client, f"user{n}@test.example", attacker, 1)
    assert "Too many failed login attempts" in login(client, mine.email, attacker).text
    # Everyone else still signs in (before the setting, they shared the balancer's address).
    assert login(client, person.email, victim).status_code == 302


@pytest.mark.django_db
def test_guessing_at_an_account_from_one_address_does_not_lock_its_owner_out(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    owner = verified_user("owner@test.example")
    bad_logins(client, owner.email, "198.51.100.66", 5)
    assert "Too many failed login attempts" in login(client, owner.email, "198.51.100.66").text
    assert login(client, owner.email, "198.51.100.7").status_code == 302


def owner_at_the_account_ceiling(client, settings):
    """An account guessed at from eight addresses, past a ceiling of eight an hour."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "8/h/key",
    }
    owner = verified_user("owner@test.example")
    for n in range(8):
        bad_logins(client, owner.email, f"198.51.100.{n + 10}", 1)
    return owner


@pytest.mark.django_db
def test_guessing_at_one_account_from_many_addresses_meets_the_account_ceiling(client, settings):
    owner = owner_at_the_account_ceiling(client, settings)
    assert "Too many failed login attempts" in login(client, owner.email, "198.51.100.7").text


@pytest.mark.django_db
def test_a_password_reset_lifts_the_account_ceiling_for_its_owner(client, settings, mailoutbox):
    owner = owner_at_the_account_ceiling(client, settings)
    assert "Too many failed login attempts" in login(client, owner.email, "198.51.100.7").text
    # The owner resets the password by mail and logs in at once with the new one.
    client.post(reverse("account_reset_password"), {"email": owner.email}, REMOTE_ADDR=BALANCER)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    form = client.get(link.group(1), follow=True, REMOTE_ADDR=BALANCER)
    new = "a-new-long-password-for-owner"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": new, "password2": new},
        REMOTE_ADDR=BALANCER,
    )
    assert done.status_code == 302
    client.logout()
    again = client.post(
        reverse("account_login"),
        {"login": owner.email, "password": new},
        headers={"X-Forwarded-For": "198.51.100.7"},
        REMOTE_ADDR=BALANCER,
    )
    assert again.status_code == 302, again.text
