"""Who may do what in a workshop, as rules predicates. Views name the permission they need."""

import rules

from workshop.enums import Role
from workshop.selectors import roles_in


@rules.predicate
def is_chair(user, workshop):
    return Role.CHAIR in roles_in(user, workshop)


@rules.predicate
def is_reviewer(user, workshop):
    return Role.REVIEWER in roles_in(user, workshop)


is_superuser = rules.is_superuser

rules.add_perm("workshop.change_workshop", is_superuser | is_chair)
rules.add_perm("workshop.view_outbox", is_superuser | is_chair)
