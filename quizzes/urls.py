from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("", views.index, name="index"),
    path("skills/", views.skills, name="skills"),
    path("review/", views.review, name="review"),
    path("review/<int:pk>/", views.rate_card, name="rate"),
    path("quizzes/<int:pk>/start/", views.start_attempt, name="start"),
    path("attempts/<int:pk>/", views.attempt, name="attempt"),
    path("attempts/<int:pk>/save/", views.save_attempt, name="save"),
    path("attempts/<int:pk>/submit/", views.submit_attempt, name="submit"),
    path("decks/<int:pk>/study/", views.study_deck, name="study"),
    path("resources/<int:pk>/done/", views.resource_done, name="resource-done"),
    path("<slug:track_slug>/<slug:phase_slug>/", views.phase, name="phase"),
]
