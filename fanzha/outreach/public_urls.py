"""Mounted at /public/ without login: the quiz lives at /public/quiz/."""

from django.urls import path

from fanzha.outreach import public_views

app_name = "quiz"

urlpatterns = [
    path("quiz/", public_views.quiz_page, name="index"),
    path("quiz/draw/", public_views.draw, name="draw"),
]
