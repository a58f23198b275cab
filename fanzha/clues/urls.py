from django.urls import path

from fanzha.clues import views

app_name = "clues"

urlpatterns = [
    path("", views.clue_list, name="list"),
    path("<int:pk>/", views.clue_detail, name="detail"),
    path("<int:pk>/action/", views.record_action, name="action"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/match/", views.match, name="match"),
    path("queue/", views.queue, name="queue"),
    path("import/", views.import_file, name="import"),
    path("rejects/", views.rejects, name="rejects"),
    path("analysis/", views.analysis, name="analysis"),
]
