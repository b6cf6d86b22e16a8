"""The admin's login goes through the site's login, so its failures count toward the same
limits: the audit's "15 wrong superuser passwords, then the right one, logged in" fails."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_admin_login_page_sends_people_to_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_guessing_the_superuser_password_through_the_admin_never_signs_in(client, staff):
    for attempt in range(15):
        response = client.post(
            "/admin/login/", {"username": staff.email, "password": f"guess-{attempt}"}
        )
        assert response.status_code == 302  # to the site's login: the admin form checks nothing
    client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302  # still signed out


def test_the_site_login_refuses_the_right_password_after_five_failures(client, staff):
    for attempt in range(5):
        client.post(
            reverse("account_login"), {"login": staff.email, "password": f"guess-{attempt}"}
        )
    refused = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "Too many failed login attempts" in refused.text
    assert client.get("/admin/").status_code == 302


def test_staff_reach_the_admin_after_signing_in_and_others_are_refused(client, staff, learner):
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.force_login(learner)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").status_code == 302
