"""Typed requests for views, and the few request readers every view shares: the client's
address (behind trusted proxies), a safe `next` URL, and strictly parsed ids."""

import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedRequest(HtmxRequest):
    user: User


def _ip_or_none(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the person behind `request`: the one decision every per-IP rule uses
    (allauth's rate limits through `accounts.adapter`, and ours).

    `TRUSTED_CLIENT_IP_HEADER` (e.g. X-Real-IP) wins when set; else, with
    `TRUSTED_PROXY_COUNT` = N > 0, the N-th address from the right of X-Forwarded-For (each
    of our N proxies appends the peer it saw, so entries left of that are the client's own
    claims and can be forged). A request that did not pass through every proxy (a header
    missing, too few entries, not an address) is judged by its socket peer, REMOTE_ADDR,
    which cannot be forged; it never raises.
    """
    peer = _ip_or_none(request.META.get("REMOTE_ADDR")) or "0.0.0.0"
    header = settings.TRUSTED_CLIENT_IP_HEADER
    if header:
        return _ip_or_none(request.headers.get(header)) or peer
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if count and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= count:
            return _ip_or_none(hops[-count]) or peer
    return peer


def safe_next_url(request: HttpRequest, default: str) -> str:
    """The `next` parameter (POST, then GET) when it is a path on this site, else `default`.

    Validated with `url_has_allowed_host_and_scheme` and required to be an absolute path, so
    the result is only ever used as a URL (never a URL pattern name for `redirect()`) and never
    leaves the site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


_ID = re.compile(r"[1-9][0-9]{0,17}")


def parse_id(value: str | None) -> int | None:
    """A database id from user input: ASCII digits only, positive, within bigint, else None
    ("-1", " 7", "٣", "1e3" and "99999999999999999999" are all None)."""
    if value is None or not _ID.fullmatch(value):
        return None
    return int(value)
