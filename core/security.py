"""Passwords and login throttling: pure functions, no database and no streamlit.

- Passwords are hashed with argon2id (argon2-cffi's `PasswordHasher`, its recommended
  parameters). Only the hash is ever stored; a clear password is never logged or kept.
- A new password must pass `password_problem` (length, not the username).
- Login failures slow the next attempt down: after `free` recent failures for one key (an
  account, or a client), each further attempt must wait 1, 2, 4, ... up to 60 seconds after
  the last failure (`backoff_delay`). The database keeps the failures (store/auth.py), so
  several app processes share them; keys are stored as hashes (`failure_key`), so a password
  typed into the username field never lands in the database in clear.
- Session tokens (`session_token`) are 256-bit random values; only `token_digest` is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# Input limits. The login form refuses longer input before anything is hashed or looked up.
MAX_USERNAME_INPUT = 64
MAX_PASSWORD_CHARS = 256
MIN_PASSWORD_CHARS = 8

# Backoff: failures within WINDOW_SECONDS count; `free` failures cost nothing, then the delay
# doubles per failure up to MAX_DELAY_SECONDS.
WINDOW_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 60.0
FREE_FAILURES_ACCOUNT = 3
FREE_FAILURES_CLIENT = 10

GENERIC_FAILURE = "Nama pengguna atau kata sandi salah."

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash of a random password: checked against when the account does not exist, so an
    unknown username takes as long to refuse as a wrong password. Made on first use."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The argon2id hash string of `password` (salted; a new string on every call)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches `password_hash`. An account without a hash never matches,
    and takes as long to refuse as one with a wrong password."""
    if not password_hash:
        _burn(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn(password: str) -> None:
    try:
        _hasher.verify(_dummy_hash(), password)
    except VerificationError:
        pass


def burn_time(password: str) -> None:
    """Spend the time of one password check (for an unknown account)."""
    _burn(password)


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why `password` may not be used as a new password, in Indonesian; None if it may."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"Kata sandi minimal {MIN_PASSWORD_CHARS} karakter."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"Kata sandi maksimal {MAX_PASSWORD_CHARS} karakter."
    if "\x00" in password:
        return "Kata sandi tidak boleh berisi karakter NUL."
    if not password.strip():
        return "Kata sandi tidak boleh hanya berisi spasi."
    if username and password.strip().lower() == username.strip().lower():
        return "Kata sandi tidak boleh sama dengan nama pengguna."
    return None


def temporary_password() -> str:
    """A random password for an admin reset (the user must change it at the next login)."""
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits


# ---------------------------------------------------------------- login backoff
def backoff_delay(failures: int, *, free: int) -> float:
    """Seconds the next attempt must wait after the last of `failures` recent failures."""
    if failures < free:
        return 0.0
    return min(2.0 ** (failures - free), MAX_DELAY_SECONDS)


def failure_key(kind: str, value: str) -> str:
    """The stored form of a throttling key: a SHA-256 hex digest of "kind:value"."""
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


def client_key(ip: object, headers: Mapping[str, str] | None, session_id: str) -> str:
    """Who the client is, for the per-client backoff.

    The address of the connection when it is a remote one. When the connection comes from the
    same host (Streamlit reports no address), a local reverse proxy may have forwarded it: then
    the last X-Forwarded-For entry (the address the proxy saw) or X-Real-IP. Otherwise (a
    local visitor) the browser session.
    """
    if isinstance(ip, str) and ip.strip():
        return "ip:" + ip.strip()
    headers = headers or {}
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    forwarded = [p.strip() for p in lower.get("x-forwarded-for", "").split(",") if p.strip()]
    if forwarded:
        return "ip:" + forwarded[-1][:64]
    real = lower.get("x-real-ip", "").strip()
    if real:
        return "ip:" + real[:64]
    return "sesi:" + session_id


# ---------------------------------------------------------------- session tokens
# A sign-in is a random token in an HttpOnly cookie; the database keeps only its SHA-256 digest
# (a 256-bit random value needs no slow hash: nobody can guess one to match a digest).
SESSION_TOKEN_BYTES = 32


def session_token() -> str:
    """A new random session token (or one-time hand-over code), URL-safe, 256 bits."""
    return secrets.token_urlsafe(SESSION_TOKEN_BYTES)


def token_digest(token: str) -> str:
    """The stored form of a session token or hand-over code: SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def plausible_token(value: object) -> bool:
    """Whether a cookie value could be one of our tokens at all (checked before any look-up)."""
    return (
        isinstance(value, str)
        and 20 <= len(value) <= 100
        and all(c.isalnum() or c in "-_" for c in value)
    )
