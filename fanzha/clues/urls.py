from django.urls import path

from fanzha.clues import views

app_name = "clues"

urlpatterns = [
    path("", views.clue_list, name="list"),
]
