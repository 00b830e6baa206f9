"""Who the visitor is, as a set of roles (empty when nobody is signed in)."""

from __future__ import annotations

from store.models import ROLES

ROLE_LABELS = {
    "trainee": "Peserta (CSO)",
    "trainer": "Trainer",
    "qa": "QA",
    "admin": "Admin",
}


def role_labels(roles) -> str:
    """The roles in the order of ROLES, in Indonesian: "Peserta (CSO), QA"."""
    return ", ".join(ROLE_LABELS[r] for r in ROLES if r in set(roles))


def current_roles() -> set[str]:
    """The roles of the signed-in user, read from the database on every call (a change by an
    admin applies at once); an empty set when nobody is signed in."""
    from views.auth import current_user

    user = current_user()
    return set(user.roles) if user else set()


__all__ = ["ROLES", "ROLE_LABELS", "current_roles", "role_labels"]
