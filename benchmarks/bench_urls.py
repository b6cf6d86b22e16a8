"""Edirae's URLs plus `/bench/bare/`: the baseline of benchmarks/pages.py.

The bare view runs behind the whole middleware stack with a logged-in session (session and
user loaded, CSRF, CSP, messages, htmx) and renders nothing: what any page costs before it
does its own work.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from edirae.urls import handler404, handler500  # noqa: F401
from edirae.urls import urlpatterns as edirae_urlpatterns


@login_required
def bare(request) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *edirae_urlpatterns]
