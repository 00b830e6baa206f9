"""Who the visitor is, as a set of roles.

There are no accounts yet: every visitor has every role. The login issue replaces
`current_roles()` (e.g. reading the signed-in user from st.session_state); app.py calls it
before it builds the navigation, so pages are filtered by role in one place.
"""

from __future__ import annotations

ROLES = ("trainee", "trainer", "qa", "admin")
ROLE_LABELS = {
    "trainee": "Peserta (CSO)",
    "trainer": "Trainer",
    "qa": "QA",
    "admin": "Admin",
}


def current_roles() -> set[str]:
    """The roles of the current visitor. For now (no login yet): all roles."""
    return set(ROLES)
