from django.urls import path

from fanzha.ranking import views

app_name = "ranking"

urlpatterns = [
    path("", views.daily, name="daily"),
    path("report/", views.report, name="report"),
    path("charts/", views.charts, name="charts"),
    path("charts/xlsx/", views.charts_xlsx, name="charts_xlsx"),
    path("imports/", views.imports, name="imports"),
    path("door-visit/", views.door_visit, name="door_visit"),
]
