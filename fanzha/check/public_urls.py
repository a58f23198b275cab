"""Public (no login) pages of the check app, mounted at /public/ by fanzha/urls.py."""

from django.urls import path

from fanzha.check import views

app_name = "check"

urlpatterns = [
    path("check/", views.check_page, name="check"),
]
