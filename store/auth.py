"""Signing in and managing passwords: the domain functions the login page, the admin page and
the CLI share.

- `authenticate` checks a username and password with the login backoff (per account and per
  client, kept in `login_failures` so several app processes share it). Every refusal says the
  same thing (`GENERIC_FAILURE`), whatever was wrong, and disabled accounts are refused alike.
- `create_account`, `reset_password`, `change_password` hash with argon2 (core.security); the
  store and its audit trail never see a clear password.
- `user_for_identity` maps a single sign-on (OIDC) identity to a local account by e-mail.
- `create_first_admin` makes the first account of an empty database; `ensure_demo_accounts`
  the demo accounts (demo mode only; the caller checks).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.security import (
    FREE_FAILURES_ACCOUNT,
    FREE_FAILURES_CLIENT,
    GENERIC_FAILURE,
    MAX_PASSWORD_CHARS,
    MAX_USERNAME_INPUT,
    WINDOW_SECONDS,
    backoff_delay,
    burn_time,
    failure_key,
    hash_password,
    password_problem,
    temporary_password,
    verify_password,
)
from store.access import ADMIN, require_actor
from store.audit import AuditRecord, list_audit, record_audit
from store.db import Database, reading, writing
from store.errors import StoreError
from store.models import LoginFailure, User
from store.types import utcnow
from store.users import (
    UserRecord,
    count_users,
    create_user,
    get_user,
    get_user_by_username,
    normalise_username,
    set_password_hash,
    unsafe_characters,
    unsafe_message,
)

WAIT_MESSAGE = "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {seconds} detik."
CURRENT_WAIT_MESSAGE = (
    "terlalu banyak percobaan yang salah. Coba lagi dalam {seconds} detik."
)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL_CHARS = 254

DEMO_PASSWORD = "demo-pln-123"
# Former demo passwords, now refused as too common: a demo account still on one of them gets
# DEMO_PASSWORD from `ensure_demo_accounts`, so the login page's list stays true.
FORMER_DEMO_PASSWORDS = ("demo1234",)
# (username, display name, roles): one account per role, two trainees to compare.
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("peserta1", "Dewi Lestari (demo)", ("trainee",)),
    ("peserta2", "Budi Santoso (demo)", ("trainee",)),
    ("trainer1", "Rina Wulandari (demo)", ("trainer",)),
    ("qa1", "Agus Setiawan (demo)", ("qa",)),
    ("qa2", "Sri Handayani (demo)", ("qa",)),  # a second reviewer, for blind calibration
    ("admin1", "Admin Demo", ("admin",)),
)


# ---------------------------------------------------------------- signing in
@dataclass(frozen=True)
class LoginResult:
    user: UserRecord | None
    message: str | None = None  # why not, in Indonesian; None when signed in
    wait_seconds: int = 0  # > 0 when refused by the backoff

    @property
    def ok(self) -> bool:
        return self.user is not None


def authenticate(
    db: Database,
    *,
    username: str,
    password: str,
    client: str,
    now: datetime | None = None,
) -> LoginResult:
    """Check a login. `client` identifies the browser or address (core.security.client_key).

    Refused without checking the password while the account or the client must still wait
    (then `wait_seconds` says how long). A failure is recorded for both keys; a success clears
    the account's failures. Input longer than the form allows is refused like a wrong password.
    """
    now = now or utcnow()
    if not isinstance(username, str) or not isinstance(password, str):
        return LoginResult(None, GENERIC_FAILURE)
    name = normalise_username(username[: MAX_USERNAME_INPUT + 1])
    account = failure_key("akun", name)
    keys = [(account, FREE_FAILURES_ACCOUNT), (failure_key("klien", client), FREE_FAILURES_CLIENT)]
    wait = wait_seconds(db, keys, now=now)
    if wait > 0:
        return LoginResult(None, WAIT_MESSAGE.format(seconds=wait), wait)

    too_long = len(username) > MAX_USERNAME_INPUT or len(password) > MAX_PASSWORD_CHARS
    user = None if too_long else get_user_by_username(db, name)
    if user is None:
        if not too_long:
            burn_time(password)  # an unknown name takes as long as a wrong password
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and not user.disabled
    if not ok:
        record_failure(db, [k for k, _ in keys], now=now)
        return LoginResult(None, GENERIC_FAILURE)
    clear_failures(db, [account])
    return LoginResult(user)


def wait_seconds(db: Database | Session, keys: Iterable[tuple[str, int]], *, now: datetime) -> int:
    """Whole seconds until the next attempt is allowed for every (key, free failures) pair."""
    since = now - timedelta(seconds=WINDOW_SECONDS)
    wait = 0.0
    with reading(db) as s:
        for key, free in keys:
            n, last = s.execute(
                select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(
                    LoginFailure.key_hash == key, LoginFailure.at >= since
                )
            ).one()
            if not n or last is None:
                continue
            if last.tzinfo is None:  # func.max bypasses the column type on SQLite
                last = datetime.fromisoformat(str(last)).replace(tzinfo=now.tzinfo)
            left = (last + timedelta(seconds=backoff_delay(n, free=free)) - now).total_seconds()
            wait = max(wait, left)
    return math.ceil(wait) if wait > 0 else 0


def record_failure(db: Database | Session, keys: Iterable[str], *, now: datetime) -> None:
    """Note one failed login for each key, and forget failures older than the window."""
    with writing(db) as s:
        s.execute(
            delete(LoginFailure).where(LoginFailure.at < now - timedelta(seconds=WINDOW_SECONDS))
        )
        s.add_all(LoginFailure(key_hash=k, at=now) for k in keys)


def clear_failures(db: Database | Session, keys: Iterable[str]) -> None:
    with writing(db) as s:
        s.execute(delete(LoginFailure).where(LoginFailure.key_hash.in_(list(keys))))


# ---------------------------------------------------------------- single sign-on
@dataclass(frozen=True)
class IdentityResult:
    user: UserRecord | None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def user_for_identity(
    db: Database | Session, *, email: object, email_verified: object = None
) -> IdentityResult:
    """The local account an OIDC identity signs in as: the one whose `email` is the identity's.

    Unknown identities, unverified e-mails (when the provider says so) and disabled accounts are
    refused with a message that says what to do.
    """
    if not isinstance(email, str) or not email.strip():
        return IdentityResult(
            None, "Penyedia SSO tidak mengirim alamat email, jadi akun Anda tidak dapat dikenali."
        )
    if email_verified is False:
        return IdentityResult(
            None, f"Email {email.strip()} belum diverifikasi oleh penyedia SSO; akses ditolak."
        )
    user = get_user_by_email(db, email)
    if user is None:
        return IdentityResult(
            None,
            f"Akun SSO {email.strip()} belum terdaftar di aplikasi ini. Minta admin "
            "menghubungkan email ini ke akun Anda.",
        )
    if user.disabled:
        return IdentityResult(None, "Akun Anda dinonaktifkan. Hubungi admin.")
    return IdentityResult(user)


def get_user_by_email(db: Database | Session, email: str) -> UserRecord | None:
    value = email.strip().lower()
    if not value or len(value) > MAX_EMAIL_CHARS:
        return None
    with reading(db) as s:
        user_id = s.scalar(select(User.id).where(User.email == value))
    return get_user(db, user_id) if user_id is not None else None


def set_email(
    db: Database | Session, *, user_id: int, email: str | None, actor_id: int | None
) -> UserRecord:
    """Map (or with None / "" unmap) the single sign-on e-mail of an account."""
    value = normalise_email(email)
    try:
        with writing(db) as s:
            require_actor(s, actor_id, ADMIN)
            user = s.get(User, user_id)
            if user is None:
                raise StoreError("user_id", f"pengguna {user_id} tidak ada")
            if user.email != value:
                taken = s.scalar(
                    select(User.username).where(User.email == value, User.id != user_id)
                )
                if value is not None and taken is not None:
                    raise StoreError("email", f"'{value}' sudah dipakai akun {taken}")
                old = {"email": user.email}
                user.email = value
                user.updated_at = utcnow()
                s.flush()
                record_audit(
                    s, actor_id=actor_id, action="user.set_email", target_type="user",
                    target_id=user.id, old=old, new={"email": value},
                )  # fmt: skip
    except IntegrityError:
        raise StoreError("email", f"'{value}' sudah dipakai akun lain") from None
    return get_user(db, user_id)  # type: ignore[return-value]


def normalise_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    value = email.strip().lower()
    if len(value) > MAX_EMAIL_CHARS or not EMAIL.fullmatch(value):
        raise StoreError("email", "bukan alamat email yang valid (contoh: nama@pln.co.id)")
    bad = unsafe_characters(value)
    if bad:
        raise StoreError("email", unsafe_message(bad))
    return value


# ---------------------------------------------------------------- accounts and passwords
def create_account(
    db: Database | Session,
    *,
    username: str,
    display_name: str,
    roles: Iterable[str],
    password: str,
    email: str | None = None,
    must_change_password: bool = False,
    actor_id: int | None = None,
) -> UserRecord:
    """A new local account with a hashed password (checked by `password_problem`)."""
    problem = password_problem(password, username=username)
    if problem:
        raise StoreError("password", problem)
    value = normalise_email(email)
    digest = hash_password(password)
    with writing(db) as s:
        user = create_user(
            s,
            username=username,
            display_name=display_name,
            roles=roles,
            password_hash=digest,
            must_change_password=must_change_password,
            actor_id=actor_id,
        )
        if value is not None:
            user = set_email(s, user_id=user.id, email=value, actor_id=actor_id)
        return user


def create_first_admin(
    db: Database, *, username: str, display_name: str, password: str
) -> UserRecord:
    """The first account of an empty database, an admin. Refused once any account exists."""
    with db.transaction() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
        if count_users(s):
            raise StoreError("username", "admin pertama sudah dibuat; silakan masuk")
        return create_account(
            s, username=username, display_name=display_name, roles=["admin"], password=password
        )


def reset_password(db: Database | Session, *, user_id: int, actor_id: int | None) -> str:
    """Give the account a random temporary password, which it must change at the next login.
    Returns the temporary password (to hand to the user once; it is not kept anywhere)."""
    temp = temporary_password()
    set_password_hash(
        db,
        user_id=user_id,
        password_hash=hash_password(temp),
        must_change_password=True,
        actor_id=actor_id,
        comment="atur ulang oleh admin",
    )
    return temp


def change_password(
    db: Database | Session,
    *,
    user_id: int,
    new_password: str,
    current_password: str | None = None,
    keep_session: int | None = None,
    now: datetime | None = None,
) -> UserRecord:
    """The user's own change. `current_password`, when given, must be right (a voluntary
    change); after an admin reset the login itself has just checked the temporary one.
    The current password is checked under the account's login backoff (the same failures as
    signing in: a wrong one counts as a failed login, and while the account must wait it is
    not checked at all). The account's other sign-ins end; `keep_session` (the one the change
    was made in) stays."""
    user = get_user(db, user_id)
    if user is None:
        raise StoreError("user_id", f"pengguna {user_id} tidak ada")
    if current_password is not None:
        now = now or utcnow()
        account = failure_key("akun", user.username)
        wait = wait_seconds(db, [(account, FREE_FAILURES_ACCOUNT)], now=now)
        if wait > 0:
            raise StoreError("current_password", CURRENT_WAIT_MESSAGE.format(seconds=wait))
        if not verify_password(user.password_hash, current_password):
            record_failure(db, [account], now=now)
            raise StoreError("current_password", "tidak cocok dengan kata sandi Anda saat ini")
        clear_failures(db, [account])
    problem = password_problem(new_password, username=user.username)
    if problem:
        raise StoreError("password", problem)
    if verify_password(user.password_hash, new_password):
        raise StoreError("password", "Kata sandi baru harus berbeda dari yang lama.")
    return set_password_hash(
        db,
        user_id=user_id,
        password_hash=hash_password(new_password),
        must_change_password=False,
        actor_id=user_id,
        keep_session=keep_session,
    )


def ensure_demo_accounts(db: Database) -> list[tuple[str, bool]]:
    """Create the demo accounts that do not exist yet (password DEMO_PASSWORD); leave the
    others as they are, except that one still on a former demo password gets DEMO_PASSWORD.
    Returns (username, created) per demo account."""
    out = []
    for username, display_name, roles in DEMO_ACCOUNTS:
        existing = get_user_by_username(db, username)
        if existing is not None:
            if any(verify_password(existing.password_hash, old) for old in FORMER_DEMO_PASSWORDS):
                set_password_hash(db, user_id=existing.id, password_hash=hash_password(
                    DEMO_PASSWORD), must_change_password=False, actor_id=None,
                    comment="kata sandi demo baru")  # fmt: skip
            out.append((username, False))
            continue
        try:
            create_account(
                db, username=username, display_name=display_name, roles=roles,
                password=DEMO_PASSWORD,
            )  # fmt: skip
            out.append((username, True))
        except (StoreError, IntegrityError):  # made by another process just now
            out.append((username, False))
    return out


def recent_user_changes(db: Database | Session, *, limit: int = 50) -> list[AuditRecord]:
    """The newest audit entries about accounts, newest first."""
    return list_audit(db, target_type="user", limit=limit, newest_first=True)
