import pytest

from demo.loader import DemoAccountsRefused, ensure_demo_accounts, ensure_demo_plan
from tracks.models import Enrollment, KeyActionProgress


def test_the_demo_learner_gets_a_plan_once_in_embedded_mode(settings, ai_engineering):
    settings.EMBEDDED = True
    ensure_demo_accounts()
    assert ensure_demo_plan() is True
    assert ensure_demo_plan() is False
    enrollment = Enrollment.objects.get(learner__email="learner@example.com")
    assert enrollment.track == ai_engineering and enrollment.is_active
    assert KeyActionProgress.objects.filter(ticked_at__isnull=False).count() == 1


def test_the_demo_plan_is_refused_in_production(settings, db):
    settings.EMBEDDED = False
    with pytest.raises(DemoAccountsRefused):
        ensure_demo_plan()
