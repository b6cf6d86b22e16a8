"""A user who changes their email address gets reminder mail again."""

from allauth.account.signals import email_changed
from django.dispatch import receiver

from reminders import preferences


@receiver(email_changed)
def resume_email_on_new_address(sender, *, user, **kwargs) -> None:
    preferences.resume_email(user=user)
