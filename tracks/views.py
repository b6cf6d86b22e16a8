from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tracks import selectors


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    return render(request, "tracks/catalog.html", {"tracks": selectors.catalog()})


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = request.user if request.user.is_authenticated else None
    track = selectors.track_for_page(slug=slug, viewer=viewer)
    return render(request, "tracks/detail.html", {"track": track})
