from django.urls import path

from reviews.views import (
    affinity,
    assignment,
    bidding,
    dashboard,
    decisions,
    discussion,
    exports,
    reviewers,
    reviewing,
)

app_name = "reviews"

workshop_patterns = [
    path("chair/reviewers/", reviewers.chair_reviewers, name="chair_reviewers"),
    path("chair/reviewers/remind/", reviewers.chair_remind, name="chair_remind"),
    path("chair/reviewers/<int:user_id>/load/", reviewers.chair_set_load, name="chair_set_load"),
    path("chair/reviewers/invitations/<int:invitation_id>/resend/", reviewers.chair_resend, name="chair_resend"),
    path("chair/reviewers/invitations/<int:invitation_id>/withdraw/", reviewers.chair_withdraw, name="chair_withdraw"),
    path("reviewer/profile/", reviewers.reviewer_profile, name="profile"),
    path("invitations/<str:token>/accept/", reviewers.invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/decline/", reviewers.invitation_decline, name="invitation_decline"),
    # Bidding.
    path("reviewer/bids/", bidding.bidding, name="bidding"),
    path("reviewer/bids/<int:submission_id>/", bidding.bid, name="bid"),
    # Affinity and the automatic assignment.
    path("chair/assignment/", assignment.overview, name="assignment"),
    path("chair/assignment/affinity/", affinity.compute_affinity, name="compute_affinity"),
    path("chair/assignment/affinity/status/", affinity.affinity_status, name="affinity_status"),
    path("chair/assignment/runs/", assignment.start_run, name="start_run"),
    path("chair/assignment/runs/<int:run_id>/", assignment.run_detail, name="run"),
    path("chair/assignment/runs/<int:run_id>/edit/", assignment.edit_run, name="edit_run"),
    path("chair/assignment/runs/<int:run_id>/commit/", assignment.commit_run, name="commit_run"),
    path("chair/assignment/runs/<int:run_id>/discard/", assignment.discard_run, name="discard_run"),
    # Manual assignment, at any time.
    path("chair/assignment/papers/<int:submission_id>/", assignment.paper_reviewers, name="paper_reviewers"),
    path("chair/assignment/reviewers/<int:user_id>/", assignment.reviewer_papers, name="reviewer_papers"),
    # A reviewer's assigned papers and their reviews.
    path("reviewer/papers/", assignment.my_papers, name="my_papers"),
    path("reviewer/papers/<int:submission_id>/", reviewing.review, name="review"),
    path("reviewer/papers/<int:submission_id>/autosave/", reviewing.autosave, name="autosave"),
    path("reviewer/papers/<int:submission_id>/paper.pdf", reviewing.paper_pdf, name="paper_pdf"),
    path("chair/review-form/", reviewing.review_form_settings, name="review_form"),
    # Discussion and reminders.
    path("discussion/<int:submission_id>/", discussion.discussion, name="discussion"),
    path("chair/reviews/remind/", discussion.remind_late, name="remind_late"),
    # The chairs' dashboard.
    path("chair/reviews/", dashboard.dashboard, name="dashboard"),
    path("chair/reviews.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    # Decisions, release, and what authors see after it.
    path("chair/decisions/", decisions.decisions, name="decisions"),
    path("chair/decisions/papers/<int:submission_id>/", decisions.chair_paper_reviews, name="chair_paper_reviews"),
    path("chair/decisions/release/", decisions.release, name="release"),
    path("chair/emails/<str:name>/", decisions.email_template, name="email_template"),
    path("papers/<int:submission_id>/reviews/", decisions.author_reviews, name="author_reviews"),
    # The chairs' exports (the submissions export is submissions:export).
    path("chair/export/reviews.<str:fmt>", exports.export_reviews, name="export_reviews"),
    path("chair/export/decisions.<str:fmt>", exports.export_decisions, name="export_decisions"),
]
