from django.urls import path

from fanzha.reminders import views

app_name = "reminders"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/export/", views.export, name="export"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/wechat/", views.wechat_posted, name="wechat_posted"),
    path("effect/", views.effect_view, name="effect"),
    path("opt-outs/", views.opt_outs, name="opt_outs"),
]
