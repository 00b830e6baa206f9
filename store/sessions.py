"""Sign-ins that survive a reload, a new tab and a restart: one row per browser sign-in.

The browser holds a random token in an HttpOnly cookie; the database keeps only its SHA-256
digest (core.security.token_digest), with the user, when it was made and last used, the client
it came from and when it expires. How a login becomes a cookie:

1. `start_session` (the login, inside the Streamlit script) makes the row with a one-time
   hand-over code valid for HANDOFF_SECONDS, and returns the code in clear, once.
2. The browser posts the code to the app's own route (web/routes.py), which calls `deliver`:
   the code is spent, a new token is made, its digest stored, and the token goes back only in
   the response's Set-Cookie header. The token never passes through the page, a URL or a log.
3. Every later visit (reload, new tab, another app process, a restarted server) sends the
   cookie; `check_token` finds the row by digest. The tab that logged in keeps the row's id
   and calls `check_session` on every run.

A sign-in is valid while it is not revoked, was used within the idle lifetime (default 8 hours)
and its absolute lifetime (default 7 days) has not passed; both lifetimes come from
core.config and can be passed in (tests pass a clock: `now=`). Logout revokes one sign-in;
"Keluar dari semua perangkat", disabling the account, a role change and a password reset
revoke all of the account's (store.users does the last three in the same transaction).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.config import session_absolute, session_idle
from core.security import plausible_token, session_token, token_digest
from store.db import Database, is_busy, reading, writing
from store.models import SESSION_VIAS, AuthSession
from store.types import utcnow
from store.users import UserRecord, get_user, revoke_sessions

HANDOFF_SECONDS = 300  # the one-time code that turns a login into a cookie
TOUCH_SECONDS = 60  # last_seen_at is written at most once a minute per sign-in
KEEP_DAYS = 30  # rows are deleted this long after they expired
SSO_FRESH_SECONDS = 600  # an SSO login older than this cannot start a new sign-in

# Why a sign-in is not (or no longer) valid; the login page shows MESSAGES for some.
OK, UNKNOWN, REVOKED, IDLE, EXPIRED, DISABLED = (
    "ok", "tidak_dikenal", "dicabut", "menganggur", "kedaluwarsa", "akun_nonaktif",
)  # fmt: skip
MESSAGES = {
    REVOKED: "Sesi Anda sudah diakhiri (keluar, atau akun Anda diubah). Silakan masuk lagi.",
    IDLE: "Sesi Anda berakhir karena terlalu lama tidak ada aktivitas. Silakan masuk lagi.",
    EXPIRED: "Sesi Anda sudah mencapai batas waktunya. Silakan masuk lagi.",
}


@dataclass(frozen=True)
class SessionRecord:
    id: int
    user_id: int
    via: str
    client: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    delivered: bool  # the browser holds the cookie (a token digest is stored)
    handoff_expires_at: datetime | None


@dataclass(frozen=True)
class SessionCheck:
    """The outcome of checking a sign-in: the user when valid, else why not."""

    reason: str
    user: UserRecord | None = None
    session: SessionRecord | None = None

    @property
    def ok(self) -> bool:
        return self.reason == OK and self.user is not None

    @property
    def message(self) -> str | None:
        """What the login page says about it (None: nothing, e.g. an unknown cookie)."""
        return MESSAGES.get(self.reason)


def _record(row: AuthSession) -> SessionRecord:
    return SessionRecord(
        id=row.id, user_id=row.user_id, via=row.via, client=row.client,
        user_agent=row.user_agent, created_at=row.created_at, last_seen_at=row.last_seen_at,
        expires_at=row.expires_at, revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason, delivered=row.token_hash is not None,
        handoff_expires_at=row.handoff_expires_at,
    )  # fmt: skip


def sso_key(*, email: str | None, subject: object = None, issued_at: object = None) -> str | None:
    """One key per single sign-on login (identity + issue time of its ID token); None when the
    provider sends no issue time (then every SSO visit may start a sign-in)."""
    if not email or issued_at in (None, ""):
        return None
    raw = f"{email.strip().lower()}|{subject or ''}|{issued_at}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------- starting and delivering
def start_session(
    db: Database | Session,
    *,
    user_id: int,
    via: str = "sandi",
    client: str = "",
    user_agent: str = "",
    sso: str | None = None,
    now: datetime | None = None,
    absolute: timedelta | None = None,
) -> tuple[SessionRecord, str]:
    """A new sign-in of `user_id`; returns it and its one-time hand-over code (in clear, once).

    The code is what the browser exchanges for the cookie (`deliver`); only its digest is
    stored. Rows that expired more than KEEP_DAYS ago are deleted on the way.
    """
    if via not in SESSION_VIAS:
        raise ValueError(f"via must be one of {SESSION_VIAS}")
    now = now or utcnow()
    code = session_token()
    with writing(db) as s:
        s.execute(delete(AuthSession).where(
            AuthSession.expires_at < now - timedelta(days=KEEP_DAYS)))  # fmt: skip
        row = AuthSession(
            user_id=user_id,
            handoff_hash=token_digest(code),
            handoff_expires_at=now + timedelta(seconds=HANDOFF_SECONDS),
            via=via,
            sso_key=sso,
            client=(client or "")[:80],
            user_agent=(user_agent or "")[:300],
            created_at=now,
            last_seen_at=now,
            expires_at=now + (absolute or session_absolute()),
        )
        s.add(row)
        s.flush()
        return _record(row), code


def renew_handoff(
    db: Database | Session, *, session_id: int, now: datetime | None = None
) -> str | None:
    """A fresh hand-over code for a sign-in whose browser has no cookie yet (the first code
    expired unused); None when the sign-in is delivered, revoked or gone."""
    now = now or utcnow()
    code = session_token()
    with writing(db) as s:
        done = s.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.token_hash.is_(None),
                   AuthSession.revoked_at.is_(None), AuthSession.expires_at > now)
            .values(handoff_hash=token_digest(code),
                    handoff_expires_at=now + timedelta(seconds=HANDOFF_SECONDS))
        ).rowcount  # fmt: skip
    return code if done else None


def deliver(
    db: Database | Session, *, code: object, now: datetime | None = None
) -> tuple[SessionRecord, str] | None:
    """Spend a hand-over code: the sign-in gets a new random token, returned in clear (for the
    Set-Cookie header only) with the sign-in. None when the code is unknown, spent, expired or
    its sign-in revoked; a code works once."""
    if not plausible_token(code):
        return None
    now = now or utcnow()
    token = session_token()
    with writing(db) as s:
        row = s.scalar(select(AuthSession).where(
            AuthSession.handoff_hash == token_digest(str(code))).with_for_update())  # fmt: skip
        if row is None:
            return None
        valid = (row.revoked_at is None and row.handoff_expires_at is not None
                 and now < row.handoff_expires_at and now < row.expires_at)  # fmt: skip
        row.handoff_hash = None
        row.handoff_expires_at = None
        if not valid:
            return None
        row.token_hash = token_digest(token)
        row.last_seen_at = now
        s.flush()
        return _record(row), token


# ---------------------------------------------------------------- checking
def _check(
    s: Session,
    row: AuthSession | None,
    *,
    now: datetime,
    idle: timedelta | None,
    absolute: timedelta | None,
) -> SessionCheck:
    if row is None:
        return SessionCheck(UNKNOWN)
    record = _record(row)
    if row.revoked_at is not None:
        return SessionCheck(REVOKED, session=record)
    if now >= row.expires_at or now >= row.created_at + (absolute or session_absolute()):
        return SessionCheck(EXPIRED, session=record)
    if now - row.last_seen_at > (idle or session_idle()):
        return SessionCheck(IDLE, session=record)
    user = get_user(s, row.user_id)
    if user is None or user.disabled:
        return SessionCheck(DISABLED, session=record)
    return SessionCheck(OK, user=user, session=record)


def _touch(db: Database | Session, check: SessionCheck, now: datetime) -> SessionCheck:
    """Note the use (at most once a minute, so a busy page does not write on every click)."""
    record = check.session
    if not check.ok or record is None:
        return check
    if (now - record.last_seen_at).total_seconds() < TOUCH_SECONDS:
        return check
    try:
        with writing(db) as s:
            s.execute(update(AuthSession)
                      .where(AuthSession.id == record.id, AuthSession.revoked_at.is_(None))
                      .values(last_seen_at=now))  # fmt: skip
    except DBAPIError as exc:  # a busy database: noted at the next use; the page goes on
        if not is_busy(exc):
            raise
    return check


def check_token(
    db: Database | Session,
    token: object,
    *,
    now: datetime | None = None,
    idle: timedelta | None = None,
    absolute: timedelta | None = None,
) -> SessionCheck:
    """The sign-in of a cookie's token. Anything that is not a valid token (missing, tampered,
    unknown, revoked, expired) is a refusal with a reason, never an exception."""
    now = now or utcnow()
    if not plausible_token(token):
        return SessionCheck(UNKNOWN)
    with reading(db) as s:
        row = s.scalar(select(AuthSession).where(
            AuthSession.token_hash == token_digest(str(token))))  # fmt: skip
        check = _check(s, row, now=now, idle=idle, absolute=absolute)
    return _touch(db, check, now)


def check_session(
    db: Database | Session,
    session_id: int,
    *,
    now: datetime | None = None,
    idle: timedelta | None = None,
    absolute: timedelta | None = None,
) -> SessionCheck:
    """The sign-in with this id (the tab that logged in keeps it), checked like a token."""
    now = now or utcnow()
    with reading(db) as s:
        row = s.get(AuthSession, session_id) if isinstance(session_id, int) else None
        check = _check(s, row, now=now, idle=idle, absolute=absolute)
    return _touch(db, check, now)


def session_for_sso(db: Database | Session, *, key: str) -> SessionRecord | None:
    """The sign-in started by this single sign-on login, if any."""
    with reading(db) as s:
        row = s.scalar(select(AuthSession).where(AuthSession.sso_key == key)
                       .order_by(AuthSession.id.desc()).limit(1))  # fmt: skip
        return _record(row) if row else None


def sso_is_fresh(issued_at: object, *, now: datetime | None = None) -> bool:
    """Whether an SSO ID token's issue time (seconds since 1970) is recent enough to start a
    sign-in; a missing or unreadable time counts as fresh (nothing to compare)."""
    now = now or utcnow()
    try:
        at = float(issued_at)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True
    return now.timestamp() - at <= SSO_FRESH_SECONDS


# ---------------------------------------------------------------- ending
def revoke_session(
    db: Database | Session, *, session_id: int, reason: str = "keluar",
    now: datetime | None = None,
) -> bool:
    """End one sign-in at once (logout). True when it was still active."""
    now = now or utcnow()
    with writing(db) as s:
        done = s.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason[:40], handoff_hash=None,
                    handoff_expires_at=None)
        ).rowcount  # fmt: skip
    return bool(done)


def revoke_token(
    db: Database | Session, token: object, *, reason: str = "keluar",
    now: datetime | None = None,
) -> bool:
    """End the sign-in of a cookie's token, if it is one."""
    if not plausible_token(token):
        return False
    with reading(db) as s:
        session_id = s.scalar(select(AuthSession.id).where(
            AuthSession.token_hash == token_digest(str(token))))  # fmt: skip
    if session_id is None:
        return False
    return revoke_session(db, session_id=session_id, reason=reason, now=now)


def revoke_user_sessions(
    db: Database | Session, *, user_id: int, reason: str = "keluar_semua",
    keep: int | None = None, now: datetime | None = None,
) -> int:
    """End every active sign-in of an account (all devices), except `keep`. Returns how many."""
    with writing(db) as s:
        return revoke_sessions(s, user_id=user_id, reason=reason, keep=keep, now=now)


def active_sessions(
    db: Database | Session, *, user_id: int, now: datetime | None = None,
    idle: timedelta | None = None, absolute: timedelta | None = None,
) -> list[SessionRecord]:
    """The account's sign-ins that are still valid, newest first."""
    now = now or utcnow()
    idle, absolute = idle or session_idle(), absolute or session_absolute()
    with reading(db) as s:
        rows = s.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None),
                   AuthSession.expires_at > now, AuthSession.created_at > now - absolute,
                   AuthSession.last_seen_at >= now - idle)
            .order_by(AuthSession.id.desc())
        )  # fmt: skip
        return [_record(r) for r in rows]


__all__ = [
    "DISABLED",
    "EXPIRED",
    "HANDOFF_SECONDS",
    "IDLE",
    "MESSAGES",
    "OK",
    "REVOKED",
    "UNKNOWN",
    "SessionCheck",
    "SessionRecord",
    "active_sessions",
    "check_session",
    "check_token",
    "deliver",
    "renew_handoff",
    "revoke_session",
    "revoke_token",
    "revoke_user_sessions",
    "session_for_sso",
    "sso_is_fresh",
    "sso_key",
    "start_session",
]
