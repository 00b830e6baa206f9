"""Passwords and login throttling: pure functions, no database and no streamlit.

- Passwords are hashed with argon2id (argon2-cffi's `PasswordHasher`, its recommended
  parameters). Only the hash is ever stored; a clear password is never logged or kept.
- A new password must pass `password_problem`: length, not the username, and not common or
  trivial (`trivial_password`: the bundled list core/data/common_passwords.txt, repeats,
  sequences, the username inside).
- Login failures slow the next attempt down: after `free` recent failures for one key (an
  account, or a client), each further attempt must wait 1, 2, 4, ... up to 60 seconds after
  the last failure (`backoff_delay`). The database keeps the failures (store/auth.py), so
  several app processes share them; keys are stored as hashes (`failure_key`), so a password
  typed into the username field never lands in the database in clear.
- The client of the per-client backoff is its address (`client_address`): IPv4-mapped IPv6
  read as IPv4, X-Forwarded-For believed only from a trusted proxy (CSO_TRUSTED_PROXIES).
- Session tokens (`session_token`) are 256-bit random values; only `token_digest` is stored.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.config import Network, trusted_proxies

# Input limits. The login form refuses longer input before anything is hashed or looked up.
MAX_USERNAME_INPUT = 64
MAX_PASSWORD_CHARS = 256
MIN_PASSWORD_CHARS = 8

# Backoff: failures within WINDOW_SECONDS count; `free` failures cost nothing, then the delay
# doubles per failure up to MAX_DELAY_SECONDS. The account is the main guard; the client (one
# address) only stops one source trying many accounts, with a bound high enough that a
# classroom behind one NAT, typing its own passwords wrong, never reaches it.
WINDOW_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 60.0
FREE_FAILURES_ACCOUNT = 3
FREE_FAILURES_CLIENT = 100

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
    return trivial_password(password, username=username)


COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "01234567890123456789",
                  "abcdefghijklmnopqrstuvwxyz", "1qaz2wsx3edc4rfv5tgb", "qazwsxedcrfvtgbyhn")
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s",
                       "5": "s", "7": "t", "+": "t"})  # fmt: skip
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords (core/data/common_passwords.txt), lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _sequence(text: str) -> bool:
    """Every character one step after (or before) the previous one, or a run of a keyboard row
    or the alphabet: 12345678, 87654321, abcdefgh, qwertyui."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    if steps in ({1}, {-1}):
        return True
    return any(text in row or text in row[::-1] for row in _KEYBOARD_ROWS)


def trivial_password(password: str, *, username: str = "") -> str | None:
    """Why `password` is too easy to guess, in Indonesian; None if it is not: one character or
    a short unit repeated, a sequence, the username inside, or a common password (the bundled
    list, also with its letters written as digits, or with digits and signs around it)."""
    low = password.strip().lower()
    name = username.strip().lower()
    if len(set(low)) <= 3:
        return ("Kata sandi terlalu mudah ditebak: hanya beberapa karakter yang diulang "
                "(misalnya aaaaaaaa). Gunakan gabungan kata dan karakter yang beragam.")
    for size in range(2, len(low) // 2 + 1):
        unit = low[:size]
        if len(low) % size == 0 and unit * (len(low) // size) == low:
            if size <= 4 or _sequence(unit):
                return ("Kata sandi terlalu mudah ditebak: pola yang diulang (misalnya "
                        "abcdabcd). Gunakan gabungan kata dan karakter yang beragam.")  # fmt: skip
            break
    if _sequence(low):
        return ("Kata sandi terlalu mudah ditebak: berupa urutan (misalnya 12345678, abcdefgh "
                "atau qwertyui). Gunakan gabungan kata dan karakter yang beragam.")  # fmt: skip
    if len(name) >= 3 and name in low:
        return "Kata sandi tidak boleh memuat nama pengguna."
    common = common_passwords()
    base = _EDGES.sub("", low)
    candidates = {low, low.translate(_LEET), re.sub(r"\s+", "", low)}
    if len(base) >= 4:
        candidates |= {base, base.translate(_LEET)}
    if candidates & common:
        return ("Kata sandi ini termasuk kata sandi yang paling umum dipakai dan mudah ditebak "
                "(misalnya password, 12345678 atau nama diikuti angka). Pilih kata sandi lain.")
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


def normalise_ip(value: object) -> str | None:
    """An address in its canonical form, IPv4-mapped IPv6 (``::ffff:127.0.0.1``, what a
    dual-stack listener reports for an IPv4 peer) as plain IPv4; None when not an address."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.9:443"
        text = text.split(":")[0]
    text = text.split("%")[0]  # an IPv6 zone
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def _trusted(address: str, trusted: Iterable[Network]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == net.version and ip in net for net in trusted)


def client_address(
    ip: object, headers: Mapping[str, str] | None, *, trusted: Iterable[Network] | None = None
) -> str | None:
    """The address of the browser, or None for a visitor on this host.

    `ip` is the peer of the connection as Streamlit reports it (None for 127.0.0.1 and ::1,
    IPv4-mapped when the listener is dual-stack). When the peer is a trusted proxy
    (CSO_TRUSTED_PROXIES, loopback by default), X-Forwarded-For is read from the right, each
    trusted proxy's entry skipped, and the first other address is the client (X-Real-IP when
    there is no X-Forwarded-For). Headers from any other peer are ignored: they are whatever
    the client chose to send.
    """
    trusted = tuple(trusted_proxies() if trusted is None else trusted)
    if ip is None or (isinstance(ip, str) and not ip.strip()):
        peer: str | None = "127.0.0.1"  # Streamlit hides a loopback peer
    else:
        peer = normalise_ip(ip)
    if peer is None:
        return None
    if not _trusted(peer, trusted):
        return None if ipaddress.ip_address(peer).is_loopback else peer
    lower = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    hops = [normalise_ip(p) for p in lower.get("x-forwarded-for", "").split(",")[-20:]]
    if any(h is not None for h in hops):
        for hop in reversed(hops):
            if hop is None:
                return None  # garbage where an address should be: nobody to name
            if not _trusted(hop, trusted):
                return hop
        first = hops[0]  # every hop is a proxy of ours: the first one is the client
        return None if ipaddress.ip_address(first).is_loopback else first
    real = normalise_ip(lower.get("x-real-ip", ""))
    if real is not None:
        return real
    return None if ipaddress.ip_address(peer).is_loopback else peer


def client_key(
    ip: object,
    headers: Mapping[str, str] | None,
    session_id: str,
    *,
    trusted: Iterable[Network] | None = None,
) -> str:
    """Who the client is, for the per-client backoff: "ip:" and its address
    (`client_address`), or, for a visitor on this host, "sesi:" and the browser session."""
    if ip is not None and not isinstance(ip, str):
        return "sesi:" + session_id  # not an address at all
    address = client_address(ip, headers, trusted=trusted)
    return "ip:" + address if address else "sesi:" + session_id


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
