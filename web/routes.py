"""The sign-in cookie: two small HTTP routes served beside Streamlit's (st.App, see serve.py).

A Streamlit page talks to its server over a websocket, which cannot set cookies, and a cookie
set from JavaScript cannot be HttpOnly. So after a login the page (views.auth) posts a one-time
hand-over code to `POST /_cso/sesi`; this route spends the code (store.sessions.deliver) and
answers with the session token in a Set-Cookie header only:

    cso_sesi=<token>; HttpOnly; SameSite=Lax; Path=/; Max-Age=<absolute lifetime left>
    (and Secure when the request came over https)

`POST /_cso/keluar` ends the cookie's sign-in and deletes the cookie. Both refuse requests that
are not the app's own (a custom header that other sites cannot send without CORS, and the
browser's Origin / Sec-Fetch-Site). Nothing here logs or echoes a token or a code; refusals
carry no detail. The database is the app's (CSO_DATABASE_URL), so any app process behind the
proxy accepts the cookie.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.config import cookie_secure, database_url, trusted_proxies
from core.security import normalise_ip
from store.db import Database
from store.sessions import deliver, revoke_token
from store.types import utcnow

COOKIE = "cso_sesi"  # the session token
NEXT_COOKIE = "cso_lanjut"  # the page to open after a single sign-on login (not a secret)
HEADER = "X-CSO-Trainer"  # every request of the app's own script carries it
SESSION_PATH = "/_cso/sesi"
LOGOUT_PATH = "/_cso/keluar"
MAX_BODY = 1024


@cache
def _database(url: str) -> Database:
    return Database(url)


def database() -> Database:
    return _database(database_url())


def _loopback(host: str | None) -> bool:
    """Whether the peer is a trusted reverse proxy (CSO_TRUSTED_PROXIES, loopback by default;
    an IPv4-mapped peer of a dual-stack listener counts as its IPv4 address)."""
    address = normalise_ip(host)
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip.version == net.version and ip in net for net in trusted_proxies())


def is_https(request: Request) -> bool:
    """Whether the browser reached the app over https (directly, or through the local reverse
    proxy's X-Forwarded-Proto); CSO_COOKIE_SECURE overrides."""
    forced = cookie_secure()
    if forced is not None:
        return forced
    if request.url.scheme in ("https", "wss"):
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https" and _loopback(request.client.host if request.client else None)


def from_the_app(request: Request) -> bool:
    """A request made by the app's own page: our header, and (when the browser says) the same
    site and host."""
    if request.headers.get(HEADER) != "1":
        return False
    site = request.headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = (request.headers.get("host") or "").rsplit(":", 1)[0].strip("[]").lower()
        if (urlsplit(origin).hostname or "").lower() != host:
            return False
    return True


def _empty(status: int) -> Response:
    return Response(status_code=status, headers={"Cache-Control": "no-store"})


def set_session_cookie(
    response: Response, token: str, *, expires_at: datetime, secure: bool,
    now: datetime | None = None,
) -> None:
    left = int((expires_at - (now or utcnow())).total_seconds())
    response.set_cookie(COOKIE, token, max_age=max(left, 0), path="/", httponly=True,
                        samesite="lax", secure=secure)  # fmt: skip


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


async def _code(request: Request) -> str | None:
    body = await request.body()
    if len(body) > MAX_BODY:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.strip() or None


async def session_route(request: Request) -> Response:
    """Exchange a hand-over code (the request body, plain text) for the session cookie."""
    if not from_the_app(request):
        return _empty(403)
    code = await _code(request)
    if code is None:
        return _empty(400)
    now = utcnow()
    delivered = await run_in_threadpool(deliver, database(), code=code, now=now)
    if delivered is None:
        return _empty(410)
    session, token = delivered
    response = _empty(204)
    secure = is_https(request)
    set_session_cookie(response, token, expires_at=session.expires_at, secure=secure, now=now)
    response.delete_cookie(NEXT_COOKIE, path="/", samesite="lax", secure=secure)
    return response


async def logout_route(request: Request) -> Response:
    """End the cookie's sign-in (if any) and delete the cookie."""
    if not from_the_app(request):
        return _empty(403)
    token = request.cookies.get(COOKIE)
    if token:
        await run_in_threadpool(revoke_token, database(), token, reason="keluar")
    response = _empty(204)
    clear_session_cookie(response, secure=is_https(request))
    return response


ROUTES = [
    Route(SESSION_PATH, session_route, methods=["POST"]),
    Route(LOGOUT_PATH, logout_route, methods=["POST"]),
]

__all__ = ["COOKIE", "HEADER", "LOGOUT_PATH", "NEXT_COOKIE", "ROUTES", "SESSION_PATH"]
