from django.urls import path

from fanzha.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("import-data-dir/", views.import_data_dir, name="import_data_dir"),
    path("trace/", views.trace, name="trace"),
    path("case/<int:pk>/", views.case_funds, name="case"),
    path("case/<int:pk>/upload/", views.upload, name="case_upload"),
    path("case/<int:pk>/trace/", views.trace, name="case_trace"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/rerun/", views.job_rerun, name="job_rerun"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/files/<int:file_pk>/mapping/", views.mapping, name="mapping"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/freeze.xlsx", views.freeze_xlsx, name="freeze_xlsx"),
    path("runs/<int:pk>/regions.xlsx", views.regions_xlsx, name="regions_xlsx"),
    path("runs/<int:pk>/letters/", views.letters, name="letters"),
    path("runs/<int:pk>/requests/", views.evidence_requests, name="requests"),
    path("candidates/", views.candidates, name="candidates"),
    path("rejects/", views.rejects, name="rejects"),
]
