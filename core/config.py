"""Settings read from the environment, in one place.

CSO_DATABASE_URL   SQLAlchemy URL of the database (default: SQLite file data/cso_trainer.db)
CSO_SOP_PATH       folders of SOP YAML files, separated by os.pathsep (default: sop/library)
CSO_SCENARIO_PATH  folders of scenario YAML files (default: scenarios/library)
CSO_DEMO           "1" starts the app in demo mode with demo accounts and demo content
CSO_SESSION_IDLE_HOURS      a sign-in ends after this long without any action (default 8)
CSO_SESSION_ABSOLUTE_DAYS   ... and this long after the login in any case (default 7)
CSO_COOKIE_SECURE  "1": the session cookie is always Secure; "0": never; unset: when the
                   request came over https (directly or through the local reverse proxy)
CSO_TRUSTED_PROXIES  addresses or networks (comma or space separated) of the reverse proxies
                   whose X-Forwarded-For / X-Forwarded-Proto are believed (default: loopback,
                   127.0.0.0/8 and ::1); "none": no proxy is trusted
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CSO_DATA_DIR", ROOT / "data"))


def _paths(var: str, default: Path) -> list[Path]:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return [default]
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def sop_dirs() -> list[Path]:
    return _paths("CSO_SOP_PATH", ROOT / "sop" / "library")


def scenario_dirs() -> list[Path]:
    return _paths("CSO_SCENARIO_PATH", ROOT / "scenarios" / "library")


def database_url() -> str:
    url = os.environ.get("CSO_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{DATA_DIR / 'cso_trainer.db'}"


def demo_mode() -> bool:
    return os.environ.get("CSO_DEMO", "").strip().lower() in {"1", "true", "yes", "ya"}


def _positive(var: str, default: float) -> float:
    raw = os.environ.get(var, "").strip().replace(",", ".")
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def session_idle() -> timedelta:
    """How long a sign-in lasts without any action (CSO_SESSION_IDLE_HOURS, default 8)."""
    return timedelta(hours=_positive("CSO_SESSION_IDLE_HOURS", 8))


def session_absolute() -> timedelta:
    """How long a sign-in lasts at most after the login (CSO_SESSION_ABSOLUTE_DAYS, default 7)."""
    return timedelta(days=_positive("CSO_SESSION_ABSOLUTE_DAYS", 7))


def cookie_secure() -> bool | None:
    """CSO_COOKIE_SECURE: True/False to force the Secure flag; None: decide per request."""
    raw = os.environ.get("CSO_COOKIE_SECURE", "").strip().lower()
    if raw in {"1", "true", "yes", "ya"}:
        return True
    if raw in {"0", "false", "no", "tidak"}:
        return False
    return None


DEFAULT_TRUSTED_PROXIES = "127.0.0.0/8, ::1"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies() -> tuple[Network, ...]:
    """CSO_TRUSTED_PROXIES: the networks whose X-Forwarded-* headers are believed (default
    loopback). Entries that are not an address or network are ignored (trusting less)."""
    raw = os.environ.get("CSO_TRUSTED_PROXIES", "").strip() or DEFAULT_TRUSTED_PROXIES
    if raw.lower() in {"none", "-", "tidak"}:
        return ()
    out: list[Network] = []
    for part in raw.replace(",", " ").split():
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            continue
    return tuple(out)
