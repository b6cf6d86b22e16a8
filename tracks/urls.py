from django.urls import path

from tracks import views

app_name = "tracks"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/choose/", views.choose, name="choose"),
]
