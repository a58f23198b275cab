from django.urls import path

from fanzha.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.new_case, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/review/", views.review_case, name="review"),
    path("<int:pk>/category/", views.change_category, name="category"),
    path("agreement/", views.agreement, name="agreement"),
    path("clusters/", views.cluster_view, name="clusters"),
    path("import/", views.import_reports, name="import"),
    path("import/rejects/", views.import_rejects, name="import_rejects"),
]
