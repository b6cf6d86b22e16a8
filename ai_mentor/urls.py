from django.urls import path

from ai_mentor import views

app_name = "ai_mentor"

urlpatterns = [
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
    path("conversations/<int:pk>/delete/", views.delete_conversation, name="delete"),
    path("practice/questions/<int:pk>/", views.practice_answer, name="practice-answer"),
    path("practice/answers/<int:pk>/", views.practice_result, name="practice-result"),
    path("practice/<slug:track_slug>/<slug:phase_slug>/", views.practice_page, name="practice"),
    path("attempts/<int:pk>/feedback/", views.attempt_feedback, name="feedback"),
    path("evidence/<int:pk>/draft/", views.draft_pre_review, name="draft"),
    path("<slug:track_slug>/<slug:phase_slug>/ask/", views.ask, name="ask"),
]
