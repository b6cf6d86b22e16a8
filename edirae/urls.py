from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from edirae import views

admin.site.site_header = "Edirae authoring"
admin.site.site_title = "Edirae admin"
admin.site.index_title = "Tracks, content and people"
# The admin's own login form has no brute-force limit: send it to the site's login, whose
# failed attempts count toward allauth's limits (per address, per account and address, per
# account). A signed-in user who is not active staff gets a 403 there.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("tracks/", include("tracks.urls")),
    path("plan/", include("tracks.plan_urls")),
    path("learn/", include("quizzes.urls")),
    path("", include("mentors.urls")),
    path("ai-mentor/", include("ai_mentor.urls")),
    path("reminders/", include("reminders.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "edirae.views.page_not_found"
handler500 = "edirae.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
