from workshop.enums import Role
from workshop.selectors import memberships_of


def navigation(request):
    """The user's workshops and roles, for the menu: one query, whatever the page."""
    roles = {}
    for membership in memberships_of(request.user):
        entry = roles.setdefault(membership.workshop_id, {"workshop": membership.workshop, "roles": set()})
        entry["roles"].add(membership.role)
    return {
        "nav_workshops": [
            {**entry, "is_chair": Role.CHAIR in entry["roles"], "is_reviewer": Role.REVIEWER in entry["roles"]}
            for entry in roles.values()
        ]
    }
