"""Who is asking: the small user object every attempt query takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Roles that may see every trainee's attempts.
SEE_ALL_ROLES = frozenset({"trainer", "qa", "admin"})


@dataclass(frozen=True)
class Requester:
    id: int
    roles: frozenset[str]

    @classmethod
    def of(cls, user_id: int, roles: Iterable[str]) -> Requester:
        return cls(id=user_id, roles=frozenset(roles))

    @property
    def sees_all_attempts(self) -> bool:
        return bool(self.roles & SEE_ALL_ROLES)

    def may_see_trainee(self, trainee_id: int) -> bool:
        return self.sees_all_attempts or trainee_id == self.id
