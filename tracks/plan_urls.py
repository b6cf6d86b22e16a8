from django.urls import path

from tracks import views

app_name = "plan"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("goals/", views.goals, name="goals"),
    path("gate/", views.gate, name="gate"),
    path("phases/<int:phase_pk>/why/", views.why_open, name="why_open"),
    path("key-actions/<int:pk>/", views.key_action, name="key_action"),
    path("enrollments/<int:pk>/activate/", views.activate, name="activate"),
    path("settings/", views.settings, name="settings"),
    path("calendar/", views.calendar_create, name="calendar_create"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
