from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from edirae.health import check_health
from tracks.models import Track
from tracks.views import dashboard


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the dashboard for a signed-in learner."""
    if request.user.is_authenticated:
        return dashboard(request)
    tracks = Track.objects.published().order_by("title")[:3]
    return render(request, "home.html", {"tracks": tracks})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    health = check_health()
    return JsonResponse(
        {
            "status": "ok" if health.ok else "error",
            "database": health.database,
            "broker": health.broker,
        },
        status=200 if health.ok else 503,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database work: the error may come from them.
    return render(request, "500.html", status=500, using=None)
