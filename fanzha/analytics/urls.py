from django.urls import path

from fanzha.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export/<slug:key>.xlsx", views.export_view, name="export"),
]
