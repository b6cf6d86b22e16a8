from django.urls import path

from mentors import views

app_name = "mentors"

urlpatterns = [
    # Learners
    path("evidence/", views.my_submissions, name="my_submissions"),
    path("evidence/start/", views.start, name="start"),
    path("evidence/new/<int:key_action_id>/", views.submit, name="submit"),
    path("evidence/<int:pk>/", views.submission, name="submission"),
    path("evidence/<int:pk>/edit/", views.edit, name="edit"),
    path("evidence/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("evidence/<int:pk>/seen/", views.review_seen, name="review_seen"),
    path("evidence/files/<int:pk>/", views.download, name="file"),
    # Mentors
    path("mentor/", views.queue, name="queue"),
    path("mentor/statistics/", views.stats, name="stats"),
    path("mentor/<int:pk>/", views.review, name="review"),
    path("mentor/<int:pk>/claim/", views.claim, name="claim"),
    path("mentor/<int:pk>/release/", views.release, name="release"),
]
