from django.contrib.auth import views as auth_views
from django.urls import path

from fanzha.web import views
from fanzha.web.login import LoginView

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("residents/", views.residents, name="residents"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("grids/", views.grids, name="grids"),
    path("audit/", views.audit_log, name="audit"),
    path("unmask/<str:kind>/<int:pk>/", views.unmask, name="unmask"),
]
