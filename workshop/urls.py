"""The site's URLs: the project package composes every app's patterns here."""

from django.contrib import admin
from django.urls import include, path

from reviews import urls as reviews_urls
from submissions import urls as submission_urls
from submissions import views as submission_views
from workshop import views

workshop_patterns = [
    path("", views.workshop_detail, name="detail"),
    path("deadlines.ics", views.deadlines_ics, name="deadlines_ics"),
    path("chair/settings/", views.workshop_settings, name="settings"),
    path("chair/directions/", views.directions, name="directions"),
    path("chair/directions/<int:direction_id>/", views.direction_edit, name="direction_edit"),
    path("chair/directions/<int:direction_id>/move/", views.direction_move, name="direction_move"),
    path("chair/outbox/", views.outbox, name="outbox"),
    path("chair/outbox/retry/", views.outbox_retry, name="outbox_retry"),
    path("chair/outbox/test/", views.outbox_test, name="outbox_test"),
    path("chair/outbox/<int:email_id>/", views.outbox_email, name="outbox_email"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("profile/", views.profile, name="profile"),
    path("profile/notifications/", views.notification_preferences, name="notification_preferences"),
    path("papers/", submission_views.my_submissions, name="my_submissions"),
    path("<slug:slug>/", include((workshop_patterns, "workshop"))),
    path("<slug:slug>/", include((submission_urls.workshop_patterns, "submissions"))),
    path("<slug:slug>/", include((reviews_urls.workshop_patterns, "reviews"))),
]
