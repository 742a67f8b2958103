"""Who may do what with reviewers, as rules predicates. Views name the permission they need."""

import rules

from workshop.permissions import is_chair, is_reviewer, is_superuser

rules.add_perm("reviews.manage_reviewers", is_superuser | is_chair)
rules.add_perm("reviews.edit_reviewer_profile", is_reviewer)
