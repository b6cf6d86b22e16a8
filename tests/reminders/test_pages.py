"""Pages: preferences, one-click unsubscribe, notifications and the bell."""

import uuid

import pytest
from allauth.account.signals import email_changed
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from reminders import delivery
from reminders.models import KindOptOut, Notification, Reminder, ReminderPreference
from reminders.notifications import notifications_changed
from tests.factories import verified_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kinds", "eager_tasks")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner_client(client, learner):
    client.force_login(learner)
    return client


def notify(user, title="Cards are due", read=False) -> Notification:
    """A notification, written as delivery writes them: the bell's version moved after it."""
    notification = Notification.objects.create(
        user=user,
        kind="test_daily",
        title=title,
        body="Twelve cards are waiting.",
        url="/tracks/",
        created_at=timezone.now(),
        read_at=timezone.now() if read else None,
    )
    notifications_changed(user_ids=[user.pk])
    return notification


def deliver_a_reminder(user) -> None:
    """A real reminder, delivered as the sweep's worker does: a mail and a notification."""
    reminder = Reminder.objects.create(
        user=user,
        kind="test_daily",
        period="2026-11-23",
        created_at=timezone.now(),
        claim=uuid.uuid4(),
    )
    delivery.deliver(reminder_id=reminder.id)


def emailed_unsubscribe_link(user) -> str:
    """Delivers a real reminder and returns the unsubscribe path its email carries."""
    deliver_a_reminder(user)
    link = mail.outbox[-1].extra_headers["List-Unsubscribe"].strip("<>")
    return link.removeprefix("http://127.0.0.1:8000")


# --- Preferences ----------------------------------------------------------------------------


def test_preferences_require_signing_in(client):
    response = client.get("/reminders/preferences/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_preferences_list_each_kind_with_its_description_and_ask_the_browser_for_the_zone(
    owner_client,
):
    html = owner_client.get("/reminders/preferences/").content.decode()
    assert "Daily nudge" in html
    assert "A short nudge to study, once a day at your hour." in html
    assert "data-browser-timezone" in html
    assert 'name="time_zone"' in html and 'value="' not in html.split('name="time_zone"')[1][:80]
    assert '<option value="9" selected>09:00</option>' in html
    assert 'aria-current="page">Reminders</a>' in html


def test_a_learner_saves_their_hour_zone_digest_and_kinds(owner_client, learner):
    response = owner_client.post(
        "/reminders/preferences/",
        {"hour": "7", "time_zone": "America/New_York", "digest": "on", "kind_test_daily": "on"},
        follow=True,
    )
    assert "Your reminder preferences are saved." in response.content.decode()
    preference = ReminderPreference.objects.get(user=learner)
    assert (preference.hour, preference.time_zone, preference.digest) == (
        7,
        "America/New_York",
        True,
    )
    assert list(KindOptOut.objects.filter(user=learner).values_list("kind", flat=True)) == [
        "test_announcement"
    ]
    # Turning it back on removes the opt-out.
    owner_client.post(
        "/reminders/preferences/",
        {"hour": "7", "time_zone": "America/New_York", "kind_test_announcement": "on"},
    )
    assert list(KindOptOut.objects.filter(user=learner).values_list("kind", flat=True)) == [
        "test_daily"
    ]


def test_an_unknown_time_zone_or_hour_is_refused_field_by_field(owner_client, learner):
    response = owner_client.post(
        "/reminders/preferences/", {"hour": "24", "time_zone": "Europe/Pariss"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. 24 is not one of the available choices." in html
    assert "“Europe/Pariss” is not a time zone we know: use a name like Europe/Paris" in html
    assert 'aria-invalid="true"' in html
    assert not ReminderPreference.objects.filter(user=learner).exists()


def test_a_suppressed_address_is_explained_and_can_be_resumed(owner_client, learner):
    ReminderPreference.objects.create(
        user=learner,
        email_suppressed_at=timezone.now(),
        email_suppressed_reason="The mail server refused learner@test.example: 550 User unknown",
    )
    html = owner_client.get("/reminders/preferences/").content.decode()
    assert "We stopped emailing learner@test.example" in html
    assert "550 User unknown" in html
    owner_client.post("/reminders/preferences/resume-email/")
    assert ReminderPreference.objects.get(user=learner).email_suppressed_at is None
    assert "We stopped emailing" not in owner_client.get("/reminders/preferences/").content.decode()


def test_changing_the_email_address_resumes_reminder_mail(learner):
    ReminderPreference.objects.create(
        user=learner, email_suppressed_at=timezone.now(), email_suppressed_reason="550"
    )
    email_changed.send(
        sender=type(learner),
        request=None,
        user=learner,
        from_email_address=None,
        to_email_address=None,
    )
    assert ReminderPreference.objects.get(user=learner).email_suppressed_at is None


# --- Unsubscribe ----------------------------------------------------------------------------


def test_an_emailed_unsubscribe_link_works_without_signing_in_after_a_confirmation(learner):
    path = emailed_unsubscribe_link(learner)
    anonymous = Client()

    page = anonymous.get(path)
    assert page.status_code == 200
    assert "Stop these reminders?" in page.content.decode()
    assert not KindOptOut.objects.exists()  # mail scanners follow GET links: nothing changes

    done = anonymous.post(path)
    assert "You are unsubscribed" in done.content.decode()
    assert "Daily nudge" in done.content.decode()
    opt_out = KindOptOut.objects.get(user=learner)
    assert (opt_out.kind, opt_out.source) == ("test_daily", "unsubscribe")


def test_unsubscribing_twice_says_you_are_already_unsubscribed(learner):
    path = emailed_unsubscribe_link(learner)
    Client().post(path)
    again = Client().post(path)
    assert again.status_code == 200
    assert "You are already unsubscribed" in again.content.decode()
    assert "You are already unsubscribed" in Client().get(path).content.decode()
    assert KindOptOut.objects.count() == 1


def test_a_mail_client_one_click_post_unsubscribes_without_a_csrf_token(learner):
    path = emailed_unsubscribe_link(learner)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert KindOptOut.objects.filter(user=learner, kind="test_daily").exists()


def test_a_tampered_unsubscribe_link_is_refused_with_a_clear_page(learner, stranger):
    path = emailed_unsubscribe_link(learner)
    token = path.split("/")[-2]
    data, signature = token.rsplit(":", 1)
    forged = signing.Signer(salt="reminders.unsubscribe").sign_object(
        {"u": stranger.pk, "k": ["test_daily"]}
    )
    tampered = [
        f"/reminders/unsubscribe/{data}:{signature[:-1]}B/",  # never a last char of a signature
        f"/reminders/unsubscribe/{forged.rsplit(':', 1)[0]}:{signature}/",  # other user, old sig
        f"/reminders/unsubscribe/{signing.dumps({'u': learner.pk, 'k': ['x']})}/",  # other salt
        "/reminders/unsubscribe/not-a-token/",
    ]
    for url in tampered:
        response = Client().post(url)
        assert response.status_code == 400, url
        assert "This unsubscribe link does not work" in response.content.decode()
    assert not KindOptOut.objects.exists()


# --- Notifications and the bell -------------------------------------------------------------


def test_notifications_list_the_owners_only(owner_client, learner, stranger):
    notify(learner, title="Your cards are due")
    notify(stranger, title="Stranger's evidence was reviewed")
    html = owner_client.get("/reminders/notifications/").content.decode()
    assert "Your cards are due" in html
    assert "Stranger" not in html


def test_notifications_say_what_will_appear_when_there_are_none(owner_client):
    html = owner_client.get("/reminders/notifications/").content.decode()
    assert "No notifications yet" in html


def test_notifications_escape_their_text_and_never_link_off_site(owner_client, learner):
    for url in (
        "javascript:alert(1)",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
    ):
        Notification.objects.create(
            user=learner,
            kind="x",
            title="<script>alert(1)</script>",
            url=url,
            created_at=timezone.now(),
        )
    notify(learner, title="Safe one")
    html = owner_client.get("/reminders/notifications/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "evil.example" not in html and "javascript:" not in html
    assert '<a href="/tracks/">Safe one</a>' in html


def test_marking_one_read_with_htmx_swaps_the_item_and_refreshes_the_bell(owner_client, learner):
    notification = notify(learner)
    response = owner_client.post(f"/reminders/notifications/{notification.pk}/read/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<li id="notification-{notification.pk}"')
    assert "Mark read" not in html
    assert response["HX-Trigger"] == "notifications-changed"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_without_javascript_redirects_to_the_list(owner_client, learner):
    notification = notify(learner)
    response = owner_client.post(f"/reminders/notifications/{notification.pk}/read/")
    assert response.status_code == 302
    assert response["Location"] == "/reminders/notifications/"


def test_a_stranger_cannot_mark_someone_elses_notification(client, learner, stranger):
    notification = notify(learner)
    client.force_login(stranger)
    response = client.post(f"/reminders/notifications/{notification.pk}/read/")
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_all_read_leaves_other_users_alone(owner_client, learner, stranger):
    for _ in range(3):
        notify(learner)
    theirs = notify(stranger)
    theirs_client = Client()
    theirs_client.force_login(stranger)
    assert "1 unread" in bell(theirs_client)
    response = owner_client.post("/reminders/notifications/read/", **HTMX)
    assert 'id="notification-list"' in response.content.decode()
    assert not Notification.objects.filter(user=learner, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_bell_counts_unread_notifications_once_and_then_reads_the_kept_count(
    owner_client, learner, django_assert_num_queries
):
    for _ in range(3):
        notify(learner)
    notify(learner, read=True)
    # The session, the user, and one COUNT of unread notifications.
    with django_assert_num_queries(3) as captured:
        response = owner_client.get("/reminders/notifications/bell/", **HTMX)
    assert "COUNT(*)" in captured.captured_queries[-1]["sql"]
    html = response.content.decode()
    assert 'hx-trigger="every 60s, notifications-changed from:body"' in html
    assert '<span class="bell-count" aria-hidden="true">3</span>' in html
    assert "3 unread" in html
    with django_assert_num_queries(2):  # the session and the user: the count is kept
        again = owner_client.get("/reminders/notifications/bell/", **HTMX)
    assert "3 unread" in again.content.decode()


def bell(client) -> str:
    return client.get("/reminders/notifications/bell/", **HTMX).content.decode()


def test_the_kept_count_follows_every_change_of_the_notifications(
    owner_client, learner, stranger, admin_client
):
    first, second, _ = notify(learner), notify(learner), notify(learner)
    assert "3 unread" in bell(owner_client)
    owner_client.post(f"/reminders/notifications/{first.pk}/read/", **HTMX)
    assert "2 unread" in bell(owner_client)
    deliver_a_reminder(learner)  # the sweep's delivery writes one more
    assert "3 unread" in bell(owner_client)
    deleted = admin_client.post(
        f"/admin/reminders/notification/{second.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert "2 unread" in bell(owner_client)
    theirs = notify(stranger)
    theirs_client = Client()
    theirs_client.force_login(stranger)
    assert "1 unread" in bell(theirs_client)
    moved = admin_client.post(
        f"/admin/reminders/notification/{theirs.pk}/change/",
        {
            "user": learner.pk,
            "kind": "x",
            "title": "Moved",
            "created_at_0": "2026-11-23",
            "created_at_1": "10:00:00",
        },
    )
    assert moved.status_code == 302, moved.content.decode()[:2000]
    assert "3 unread" in bell(owner_client)
    assert 'class="bell-count"' not in bell(theirs_client)  # it left the stranger's bell
    owner_client.post("/reminders/notifications/read/", **HTMX)
    assert 'class="bell-count"' not in bell(owner_client)


def test_the_bell_caps_a_large_count(owner_client, learner):
    Notification.objects.bulk_create(
        [
            Notification(user=learner, kind="x", title="t", created_at=timezone.now())
            for _ in range(120)
        ]
    )
    assert ">99+</span>" in owner_client.get("/reminders/notifications/bell/").content.decode()


def test_the_bell_is_in_the_header_of_every_page_for_signed_in_users(owner_client, learner, client):
    notify(learner)
    html = owner_client.get("/tracks/").content.decode()
    assert 'id="notification-bell"' in html
    assert "1 unread" in html
    owner_client.logout()
    assert 'id="notification-bell"' not in client.get("/tracks/").content.decode()


def test_the_bell_tells_htmx_to_stop_polling_after_signing_out(client):
    response = client.get("/reminders/notifications/bell/", **HTMX)
    assert response.status_code == 286
    assert response.content == b""


def test_notifications_page_through_older_ones(owner_client, learner):
    for n in range(25):
        notify(learner, title=f"Notification {n:02d}")
    first = owner_client.get("/reminders/notifications/").content.decode()
    second = owner_client.get("/reminders/notifications/?page=2").content.decode()
    assert "Notification 24" in first and "Notification 04" not in first
    assert "Notification 04" in second
    assert "Page 2 of 2" in second


def test_the_notifications_page_needs_a_fixed_number_of_queries(
    owner_client, learner, django_assert_max_num_queries
):
    for _ in range(30):
        notify(learner)
    # Session, user, page count, page rows, bell count.
    with django_assert_max_num_queries(5):
        owner_client.get("/reminders/notifications/")


def test_a_new_verified_user_sees_the_reminders_link_in_the_account_pages(client):
    user = verified_user("new@test.example")
    client.force_login(user)
    html = client.get("/accounts/email/").content.decode()
    assert 'href="/reminders/preferences/"' in html
