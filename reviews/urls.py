from django.urls import path

from reviews import views

app_name = "reviews"

workshop_patterns = [
    path("chair/reviewers/", views.chair_reviewers, name="chair_reviewers"),
    path("chair/reviewers/remind/", views.chair_remind, name="chair_remind"),
    path("chair/reviewers/<int:user_id>/load/", views.chair_set_load, name="chair_set_load"),
    path("chair/reviewers/invitations/<int:invitation_id>/resend/", views.chair_resend, name="chair_resend"),
    path("chair/reviewers/invitations/<int:invitation_id>/withdraw/", views.chair_withdraw, name="chair_withdraw"),
    path("reviewer/profile/", views.reviewer_profile, name="profile"),
    path("invitations/<str:token>/accept/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/decline/", views.invitation_decline, name="invitation_decline"),
]
