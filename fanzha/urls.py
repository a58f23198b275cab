from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "反诈工作台 · 系统管理"
admin.site.site_title = "反诈工作台"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fanzha.web.urls")),
]
