"""Edirae's allauth adapter: one client-address decision, login limits that nobody can turn
against a named account from one address, and mail failures that never break a page."""

import logging
import smtplib
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit  # as allauth's own adapter: usage to roll back
from django.http import HttpRequest

from edirae.http import client_ip

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # Behind the load balancer REMOTE_ADDR is the balancer; see TRUSTED_PROXY_COUNT.
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's per-"key" failed-login limit (5 per 5 minutes) counts per account *and*
        # address: from one address nobody can lock someone else out of their account.
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{client_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        super().pre_authenticate(request, **credentials)
        # A ceiling on guesses at one account from everywhere (`login_failed_account`), so
        # spreading a brute force over many addresses does not lift the limit.
        login = credentials.get("email", credentials.get("username", "")).lower()
        self._login_failed_account_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed_account", key=login
        )
        if not self._login_failed_account_usage:
            raise self.validation_error("too_many_login_attempts")

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials) -> None:
        # After a successful password reset the owner may sign in again at once, from here.
        super()._delete_login_attempts_cached_email(request, **credentials)
        login = credentials.get("email", credentials.get("username", "")).lower()
        ratelimit.clear(request, app="allauth.account", action="login_failed_account", key=login)

    def _rollback_login_failed_rl_usage(self) -> None:
        # Called on a successful login: it does not count as a failure.
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_login_failed_account_usage", None)
        if usage:
            usage.rollback()

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """A refusing or unreachable SMTP server must not turn sign-up, password reset or an
        email change into a 500. The failure is logged for the operators; the page says what
        it says for every address (an "unknown address" mail can fail just the same), so
        nothing is revealed. The learner can ask for the mail again."""
        try:
            super().send_mail(template_prefix, email, context)
        except (smtplib.SMTPException, OSError):
            logger.exception("Could not send %s to %s", template_prefix, email)
