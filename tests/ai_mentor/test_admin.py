"""The admin: usage per backend (practice has no switch to feed estimates any more)."""

import pytest
from django.urls import reverse

from ai_mentor import services
from ai_mentor.models import AIUsage

pytestmark = pytest.mark.django_db


def test_staff_see_ai_usage_summed_up_per_backend(client, staff, learner, phase, fake_llm):
    services.ask(learner=learner, phase=phase, question="What does a Dockerfile describe?")
    fake_llm.status = 500
    services.ask(learner=learner, phase=phase, question="What does a Dockerfile describe?")
    client.force_login(staff)
    html = client.get(reverse("admin:ai_mentor_aiusage_changelist")).text
    assert "Per backend" in html
    assert "<td>openai</td><td>ok</td><td>1</td>" in html
    assert "<td>openai</td><td>fallback</td><td>1</td>" in html
    assert "<td>321</td><td>45</td>" in html  # tokens reported by the model server
    usage = AIUsage.objects.first()
    assert client.get(reverse("admin:ai_mentor_aiusage_change", args=[usage.pk])).status_code == 200
    assert client.get(reverse("admin:ai_mentor_aiusage_add")).status_code == 403


def test_learners_cannot_open_the_usage_admin(client, learner):
    client.force_login(learner)
    response = client.get(reverse("admin:ai_mentor_aiusage_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url
