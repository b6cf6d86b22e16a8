from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from edirae import views

admin.site.site_header = "Edirae authoring"
admin.site.site_title = "Edirae admin"
admin.site.index_title = "Tracks, content and people"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("tracks/", include("tracks.urls")),
    path("plan/", include("tracks.plan_urls")),
    path("learn/", include("quizzes.urls")),
    path("", include("mentors.urls")),
    path("ai-mentor/", include("mentors.ai.urls")),
    path("reminders/", include("reminders.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "edirae.views.page_not_found"
handler500 = "edirae.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
