"""The roles and their names in Indonesian, for the menu, the account box and the Pengguna page."""

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


__all__ = ["ROLES", "ROLE_LABELS", "role_labels"]
