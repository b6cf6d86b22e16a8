"""System checks for a deployment (run by `manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks

CONSOLE_MAIL = checks.Warning(
    "EMAIL_HOST is not set: mail is printed to the console, so learners never receive their "
    "verification links or reminders.",
    hint="Set EMAIL_HOST (and EMAIL_HOST_USER / EMAIL_HOST_PASSWORD) to your SMTP server.",
    id="edirae.W001",
)


@checks.register(checks.Tags.mail, deploy=True)
def mail_leaves_the_machine(app_configs, **kwargs) -> list[checks.CheckMessage]:
    backend = settings.MAILERS["default"]["BACKEND"]
    return [] if backend.endswith("smtp.EmailBackend") else [CONSOLE_MAIL]
