"""Local accounts and their roles. Every change writes an audit entry in the same transaction.

The store keeps only the password hash string; hashing and checking passwords is done
elsewhere. The hash never goes into the audit trail. Usernames are kept in lower case.

Disabling an account, changing its roles and setting its password end its sign-ins
(auth_sessions, see store.sessions) in the same transaction, so every browser signed in as it
is signed out at its next action (a user's own password change keeps the sign-in it came from).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from store.access import ADMIN, ANY_ROLE, Requester, require_actor
from store.audit import record_audit
from store.db import Database, reading, writing
from store.errors import StoreError
from store.models import ROLES, AuthSession, User, UserRole
from store.types import utcnow

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    disabled: bool
    must_change_password: bool
    created_at: datetime
    updated_at: datetime
    password_hash: str | None = field(default=None, repr=False)
    email: str | None = None  # of the single sign-on identity mapped to this account

    @property
    def requester(self) -> Requester:
        return Requester.of(self.id, self.roles)


# ---------------------------------------------------------------- reading
def get_user(db: Database | Session, user_id: int) -> UserRecord | None:
    with reading(db) as s:  # one query: the roles joined (every rerun checks the sign-in)
        user = s.get(User, user_id, options=[joinedload(User.roles)])
        return _record(user) if user else None


def get_user_by_username(db: Database | Session, username: str) -> UserRecord | None:
    """The account with this username (any case, surrounding spaces ignored), or None."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        return None  # no such account can exist
    with reading(db) as s:
        user = s.scalar(_users().where(User.username == name))
        return _record(user) if user else None


def list_users(
    db: Database | Session, *, role: str | None = None, include_disabled: bool = True
) -> list[UserRecord]:
    stmt = _users().order_by(User.username)
    if role is not None:
        stmt = stmt.where(User.roles.any(UserRole.role == role))
    if not include_disabled:
        stmt = stmt.where(User.disabled.is_(False))
    with reading(db) as s:
        return [_record(u) for u in s.scalars(stmt)]


def count_users(db: Database | Session) -> int:
    """0 on a fresh database: the app then asks for the first admin."""
    with reading(db) as s:
        return int(s.scalar(select(func.count(User.id))) or 0)


# ---------------------------------------------------------------- changing
def create_user(
    db: Database | Session,
    *,
    username: str,
    display_name: str,
    roles: Iterable[str],
    password_hash: str | None = None,
    must_change_password: bool = False,
    actor_id: int | None = None,
) -> UserRecord:
    name = _valid_username(username)
    display = _valid_display_name(display_name)
    role_list = _valid_roles(roles)
    with writing(db) as s:
        require_actor(s, actor_id, ADMIN)
        if s.scalar(select(User.id).where(User.username == name)) is not None:
            raise StoreError("username", f"'{name}' sudah dipakai")
        user = User(
            username=name,
            display_name=display,
            password_hash=password_hash,
            disabled=False,
            must_change_password=must_change_password,
            roles=[UserRole(role=r) for r in role_list],
        )
        s.add(user)
        s.flush()
        new = {
            "username": name,
            "display_name": display,
            "roles": list(role_list),
            "password_set": password_hash is not None,
            "must_change_password": must_change_password,
        }
        _audit(s, actor_id, "user.create", user, None, new)
        return _record(user)


def set_roles(
    db: Database | Session,
    *,
    user_id: int,
    roles: Iterable[str],
    actor_id: int | None,
    comment: str | None = None,
) -> UserRecord:
    role_list = _valid_roles(roles)
    with writing(db) as s:
        require_actor(s, actor_id, ADMIN)
        user = _get_for_change(s, user_id)
        old = list(user.role_names)
        if old != list(role_list):
            was_admin = _active_admin(user)
            kept = {r.role: r for r in user.roles}
            user.roles = [kept.get(r) or UserRole(role=r) for r in role_list]
            user.updated_at = utcnow()
            s.flush()
            _keep_an_admin(s, was_admin, user, "roles")
            new = {"roles": role_list}
            _audit(s, actor_id, "user.set_roles", user, {"roles": old}, new, comment)
            revoke_sessions(s, user_id=user.id, reason="peran_diubah")
        return _record(user)


def set_disabled(
    db: Database | Session,
    *,
    user_id: int,
    disabled: bool,
    actor_id: int | None,
    comment: str | None = None,
) -> UserRecord:
    with writing(db) as s:
        require_actor(s, actor_id, ADMIN)
        user = _get_for_change(s, user_id)
        if user.disabled != disabled:
            was_admin = _active_admin(user)
            old = {"disabled": user.disabled}
            user.disabled = disabled
            user.updated_at = utcnow()
            s.flush()
            _keep_an_admin(s, was_admin, user, "disabled")
            _audit(s, actor_id, "user.set_disabled", user, old, {"disabled": disabled}, comment)
            if disabled:
                revoke_sessions(s, user_id=user.id, reason="akun_nonaktif")
        return _record(user)


def set_password_hash(
    db: Database | Session,
    *,
    user_id: int,
    password_hash: str,
    must_change_password: bool,
    actor_id: int | None,
    comment: str | None = None,
    keep_session: int | None = None,
) -> UserRecord:
    """Store a new password hash (e.g. an admin reset with `must_change_password=True`, or the
    user's own change with False). The audit entry says that the password changed, not to what.
    Every sign-in of the account ends, except `keep_session` (the user's own, on their change).
    """
    if not password_hash:
        raise StoreError("password_hash", "wajib diisi")
    with writing(db) as s:
        # an admin's reset needs the admin role now; one's own change an active account
        require_actor(s, actor_id, ANY_ROLE if actor_id == user_id else ADMIN)
        user = _get_for_change(s, user_id)
        old = {"must_change_password": user.must_change_password}
        user.password_hash = password_hash
        user.must_change_password = must_change_password
        user.updated_at = utcnow()
        s.flush()
        new = {"password": "diganti", "must_change_password": must_change_password}
        _audit(s, actor_id, "user.set_password", user, old, new, comment)
        reason = "sandi_diatur_ulang" if must_change_password else "sandi_diganti"
        revoke_sessions(s, user_id=user.id, reason=reason, keep=keep_session)
        return _record(user)


def revoke_sessions(
    s: Session,
    *,
    user_id: int,
    reason: str,
    keep: int | None = None,
    now: datetime | None = None,
) -> int:
    """End every active sign-in of the account in this transaction, except `keep`."""
    stmt = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(AuthSession.id != keep)
    values = {"revoked_at": now or utcnow(), "revoked_reason": reason[:40],
              "handoff_hash": None, "handoff_expires_at": None}
    return int(s.execute(stmt.values(**values)).rowcount or 0)


# ---------------------------------------------------------------- helpers
def normalise_username(username: str) -> str:
    return username.strip().lower()


def _valid_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise StoreError(
            "username",
            "2-64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung, "
            "diawali huruf atau angka",
        )
    return name


# Allowed although of category Cf: the zero-width (non-)joiner, part of emoji and of some
# scripts' spelling. Every other format character (bidi overrides and isolates, zero-width
# spaces, soft hyphens ...) is invisible and can disguise a name.
_JOINERS = frozenset("\u200c\u200d")


def unsafe_characters(text: str) -> list[str]:
    """The characters of `text` that may not be in a name or an address: control characters
    (Cc: NUL, ESC and ANSI sequences, tab, newlines, DEL ...), invisible format characters (Cf,
    e.g. right-to-left overrides), line and paragraph separators (Zl, Zp), surrogates and
    unassigned code points; each as U+XXXX, once, in order."""
    bad: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp", "Cs", "Cn") or (cat == "Cf" and ch not in _JOINERS):
            code = f"U+{ord(ch):04X}"
            if code not in bad:
                bad.append(code)
    return bad


def unsafe_message(bad: list[str]) -> str:
    """Why a name with `bad` characters is refused, in Indonesian."""
    shown = ", ".join(bad[:5]) + (" ..." if len(bad) > 5 else "")
    return ("tidak boleh berisi karakter kontrol atau karakter tak terlihat (baris baru, tab, "
            f"ESC/ANSI, pengatur arah teks dan sejenisnya); ditemukan {shown}")  # fmt: skip


def _valid_display_name(display_name: str) -> str:
    if not isinstance(display_name, str):
        raise StoreError("display_name", "wajib diisi")
    name = display_name.strip()
    if not name or len(name) > MAX_NAME_CHARS or "\x00" in name:
        raise StoreError(
            "display_name", f"wajib diisi, maksimal {MAX_NAME_CHARS} karakter, tanpa karakter NUL"
        )
    bad = unsafe_characters(name)
    if bad:
        raise StoreError("display_name", unsafe_message(bad))
    return name


def _valid_roles(roles: Iterable[str]) -> list[str]:
    if isinstance(roles, str):
        roles = [roles]
    role_list = sorted(set(roles))
    unknown = [r for r in role_list if r not in ROLES]
    if unknown:
        raise StoreError("roles", f"peran tidak dikenal: {', '.join(unknown)}; pilih {ROLES}")
    if not role_list:
        raise StoreError("roles", "minimal satu peran")
    return role_list


def _users() -> Select[tuple[User]]:
    return select(User).options(selectinload(User.roles))


def _get_for_change(s: Session, user_id: int) -> User:
    user = s.get(User, user_id, options=[selectinload(User.roles)])
    if user is None:
        raise StoreError("user_id", f"pengguna {user_id} tidak ada")
    return user


def _active_admin(user: User) -> bool:
    return not user.disabled and "admin" in user.role_names


def _keep_an_admin(s: Session, was_admin: bool, user: User, field_: str) -> None:
    """Refuse a change that leaves no active admin (nobody could manage accounts then)."""
    if not was_admin or _active_admin(user):
        return
    admins = s.scalar(
        select(func.count(User.id)).where(
            User.disabled.is_(False), User.roles.any(UserRole.role == "admin")
        )
    )
    if not admins:
        raise StoreError(field_, "harus tetap ada minimal satu admin aktif")


def _audit(
    s: Session,
    actor_id: int | None,
    action: str,
    user: User,
    old: dict | None,
    new: dict,
    comment: str | None = None,
) -> None:
    record_audit(
        s,
        actor_id=actor_id,
        action=action,
        target_type="user",
        target_id=user.id,
        old=old,
        new=new,
        comment=comment,
    )


def _record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=user.role_names,
        disabled=user.disabled,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
        updated_at=user.updated_at,
        password_hash=user.password_hash,
        email=user.email,
    )
