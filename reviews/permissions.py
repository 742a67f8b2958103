"""Who may do what with reviewers, as rules predicates. Views name the permission they need."""

import rules

from workshop.permissions import is_chair, is_reviewer, is_superuser

rules.add_perm("reviews.manage_reviewers", is_superuser | is_chair)
rules.add_perm("reviews.edit_reviewer_profile", is_reviewer)
rules.add_perm("reviews.bid", is_reviewer)
rules.add_perm("reviews.manage_assignment", is_superuser | is_chair)
rules.add_perm("reviews.view_assigned_papers", is_reviewer)
rules.add_perm("reviews.view_dashboard", is_superuser | is_chair)
rules.add_perm("reviews.decide", is_superuser | is_chair)
rules.add_perm("reviews.edit_review_form", is_superuser | is_chair)
# Which paper's thread a person reads is decided per paper by reviews.selectors.discussion.
rules.add_perm("reviews.discuss", is_chair | is_reviewer)
