from django.urls import path

from fanzha.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.index, name="index"),
    path("events/new/", views.event_new, name="event_new"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("qr/grid/<str:code>.svg", views.grid_qr, name="grid_qr"),
    path("plan/", views.plan, name="plan"),
    path("effect/", views.effect_view, name="effect"),
]
