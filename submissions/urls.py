from django.urls import path, re_path

from submissions import views
from submissions.views import publication

app_name = "submissions"

workshop_patterns = [
    path("submit/", views.new_submission, name="new"),
    path("papers/<int:pk>/", views.submission_detail, name="detail"),
    path("papers/<int:pk>/edit/", views.edit_submission, name="edit"),
    path("papers/<int:pk>/withdraw/", views.withdraw_submission, name="withdraw"),
    path("papers/<int:pk>/files/<int:file_id>/", views.download, name="download"),
    path("chair/papers/", views.chair_list, name="chair_list"),
    path("chair/papers.csv", views.chair_csv, name="chair_csv"),
    path("chair/papers/<int:pk>/", views.chair_detail, name="chair_detail"),
    path("chair/papers/<int:pk>/extend/", views.chair_extend, name="chair_extend"),
    path("chair/papers/<int:pk>/desk-reject/", views.chair_desk_reject, name="chair_desk_reject"),
    path("chair/papers/<int:pk>/conflicts/set/", views.chair_set_conflict, name="chair_set_conflict"),
    path("chair/papers/<int:pk>/conflicts/clear/", views.chair_clear_conflict, name="chair_clear_conflict"),
    # Camera-ready, publication, the public accepted papers, exports.
    path("papers/<int:pk>/camera-ready/", publication.camera_ready, name="camera_ready"),
    path("papers/", publication.accepted_papers, name="accepted"),
    path("papers/<int:number>.pdf", publication.camera_ready_pdf, name="camera_ready_pdf"),
    path("chair/publish/", publication.publish, name="publish"),
    # Submissions only: chair/export/reviews.csv and decisions.csv fall through to the reviews app.
    re_path(r"^chair/export/(?P<what>submissions)\.(?P<fmt>csv|json)$", publication.export, name="export"),
]
