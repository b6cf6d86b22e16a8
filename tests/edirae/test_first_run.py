"""The first run works as printed: mail links can be copied from the terminal, mails link
to the port actually served, and the embedded mode leaves nothing in the work tree."""

import io
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from edirae.mail import ReadableConsoleBackend
from tests.edirae.processes import ROOT, run_manage

URL = re.compile(r"https?://\S+")
PASSWORD = "a-long-pass-phrase-42"


def printed(message) -> str:
    """What `make run`'s terminal shows for this mail (the embedded mode's backend)."""
    stream = io.StringIO()
    ReadableConsoleBackend(stream=stream).send_messages([message])
    return stream.getvalue()


@pytest.mark.django_db
def test_a_newcomer_follows_the_verification_link_exactly_as_the_terminal_prints_it(client):
    # An address long enough that a quoted-printable body would split the link.
    email = "a.newcomer.with.a.rather.long.address@example.com"
    client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    terminal = printed(mail.outbox[-1])
    assert f"To: {email}" in terminal
    links = URL.findall(terminal)
    assert links, terminal
    confirm = next(link for link in links if "confirm-email" in link)
    path = urlsplit(confirm).path  # followed verbatim: no '=' soft breaks, no joined lines
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(email=email).verified


def test_mails_link_to_the_port_that_make_run_serves(tmp_path):
    script = "from django.conf import settings; print(settings.SITE_URL)"
    result = run_manage(
        "shell", "--no-imports", "-c", script, env={"EDIRAE_VAR_DIR": str(tmp_path), "PORT": "8123"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8123"


def test_the_makefile_exports_the_port_to_the_worker_and_the_web_server():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^export PORT$", makefile, flags=re.MULTILINE)


def test_the_embedded_broker_keeps_all_its_folders_under_the_var_dir(tmp_path):
    script = (
        "from django.conf import settings; "
        "print(*sorted(v for k, v in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() "
        "if k.endswith('folder') or k.startswith('data_folder')), sep='\\n')"
    )
    env = {"EDIRAE_VAR_DIR": str(tmp_path)}
    result = run_manage("shell", "--no-imports", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    folders = result.stdout.split()
    assert len(folders) == 4  # in, out, processed and control (kombu's default: ./control)
    assert all(folder.startswith(str(tmp_path)) for folder in folders)
