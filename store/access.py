"""Who is asking: the small user object every attempt query takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from store.errors import NoLongerAllowed
from store.models import ROLES, User, UserRole

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


# ---------------------------------------------------------------- the acting user, re-checked
# Which roles a write needs; every write of the store checks them with `require_actor`.
ADMIN = frozenset({"admin"})
TRAINER = frozenset({"trainer"})
QA = frozenset({"qa"})
ANY_ROLE = frozenset(ROLES)  # an active account with any role (own attempts, own password)

_WHAT = {ADMIN: "admin", TRAINER: "trainer", QA: "QA"}


def require_actor(
    s: Session, actor_id: int | None, roles: Iterable[str], *, what: str | None = None
) -> None:
    """Refuse the write unless the acting user, read again in this transaction, is active and
    holds one of `roles`. `actor_id` None is the system (the command line, the import of the
    shipped files) and is not checked. Raises NoLongerAllowed; the caller's transaction then
    rolls back, so nothing is written.

    The user row is read with FOR SHARE (PostgreSQL; SQLite's write transaction holds the whole
    database already), so a concurrent disable or role change waits for this write or this
    write sees it: there is no moment where a removed right still writes.
    """
    if actor_id is None:
        return
    need = frozenset(roles)
    label = what or _WHAT.get(need, "untuk tindakan ini")
    rows = s.execute(_ACTOR, {"actor_id": actor_id}).all()  # one query: account and roles
    if not rows or rows[0].disabled:
        raise NoLongerAllowed(f"{label} (akun Anda tidak aktif)")
    have = {r.role for r in rows if r.role is not None}
    if not have & need:
        raise NoLongerAllowed(label)


# The account with its roles (one row per role; one row with role NULL when it has none),
# FOR SHARE OF users on PostgreSQL (the users row only: the roles are the outer join's side).
_ACTOR = (
    select(User.disabled, UserRole.role)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("actor_id"))
    .with_for_update(read=True, of=User)
)
