"""Signing in and out, the page guard, and the account box in the sidebar.

The checks themselves are domain functions (store.auth, store.sessions, core.security); this
module draws the forms and keeps only ids in st.session_state: the signed-in user's and the
sign-in's (auth_sessions). Every run checks the sign-in and reads the user from the database,
so a logout in another tab, "Keluar dari semua perangkat", disabling an account, changing its
roles or resetting its password apply at the next action.

Staying signed in: a login (password or single sign-on) starts a sign-in in the database and
hands the browser a one-time code, which the page posts to the app's own route
(web/routes.py); the route answers with the session token in an HttpOnly, SameSite cookie. A
reload, a new tab, another app process or a restarted server then opens a new Streamlit
session whose websocket carries that cookie (`st.context.cookies`), and `signed_in_user`
finds the sign-in by the token's digest. The token itself never passes through Python code
here, the page, a URL or a log.

Nothing here renders what a user typed as HTML or Markdown: names go through `st.text` or
`plain()`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import streamlit as st

from core.config import demo_mode
from core.security import MAX_PASSWORD_CHARS, MAX_USERNAME_INPUT, client_address, client_key
from store import count_users, get_user
from store.auth import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    authenticate,
    change_password,
    create_first_admin,
    user_for_identity,
)
from store.errors import StoreError
from store.sessions import (
    MESSAGES,
    SessionCheck,
    active_sessions,
    check_session,
    check_token,
    renew_handoff,
    revoke_session,
    revoke_user_sessions,
    session_for_sso,
    sso_is_fresh,
    sso_key,
    start_session,
)
from store.types import utcnow
from store.users import UserRecord
from views.literal import plain
from views.roles import ROLE_LABELS, role_labels
from views.state import database
from web.routes import COOKIE, HEADER, LOGOUT_PATH, NEXT_COOKIE, SESSION_PATH

SESSION_USER = "cso_user_id"
SESSION_VIA = "cso_login_via"  # "sandi" (password) or "sso"
SESSION_ID = "cso_sesi_id"  # auth_sessions.id of this tab's sign-in
SESSION_CODE = "cso_sesi_kode"  # the one-time hand-over code, until the browser has the cookie
SESSION_CLIENT = "cso_client_id"
K_SEEN = "cso_sesi_info"  # (delivered, hand-over expiry) of the sign-in, from the last check
K_COOKIE_READ = "cso_cookie_dibaca"  # the websocket's cookie was looked at (once per session)
K_FORGET_COOKIE = "cso_cookie_hapus"  # the login page deletes the browser's cookie
K_ENDED = "cso_sesi_berakhir"  # why the sign-in ended, for the login page
K_RUN_USER = "cso_pengguna_run"  # (script run, sign-in id, user) of the check in this run
K_ACTIVE = "cso_sesi_aktif"  # (user id, monotonic time, n) for the account box, see below
ACTIVE_TTL_S = 30.0  # the account box counts the active sign-ins again after this long
K_USER, K_PASS = "login_username", "login_password"
K_LOGIN_ERROR = "cso_login_error"
REFUSAL = "Anda tidak memiliki akses ke halaman ini."
APP_NAME = "CSO Trainer PLN 123"


# ---------------------------------------------------------------- who is signed in
def _cookie(name: str) -> str | None:
    """A cookie of the browser as its websocket sent it (None outside a browser)."""
    try:
        value = st.context.cookies.get(name)
    except Exception:  # AppTest, or no client context
        return None
    return value if isinstance(value, str) else None


def _bind(check: SessionCheck) -> UserRecord:
    """This tab is signed in as the checked sign-in."""
    ss = st.session_state
    assert check.user is not None and check.session is not None
    ss[SESSION_ID] = check.session.id
    ss[SESSION_USER] = check.user.id
    ss[SESSION_VIA] = check.session.via
    ss[K_SEEN] = (check.session.delivered, check.session.handoff_expires_at)
    _remember_for_this_run(check.session.id, check.user)
    return check.user


def _this_run() -> object | None:
    """An object that stands for the current script run (a whole rerun or a fragment's), new
    for every run; None outside a run (then nothing is remembered)."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
    except Exception:  # noqa: BLE001 - another Streamlit: check every time, as before
        return None
    # ScriptRunContext.reset() makes a new coordinator at the start of every run (before the
    # widget callbacks); the memo holds a weak reference to it, dead or another object later
    return getattr(ctx, "parallel_coordinator", None) if ctx is not None else None


def _remember_for_this_run(session_id: int, user: UserRecord) -> None:
    run = _this_run()
    try:
        ref = weakref.ref(run) if run is not None else None
    except TypeError:  # not weakly referable: remember nothing
        ref = None
    st.session_state[K_RUN_USER] = (ref, session_id, user)


def current_user() -> UserRecord | None:
    """The signed-in user, fresh from the database; None when nobody is, or when the sign-in
    ended since (logout elsewhere, expired, revoked, account disabled): that signs this tab out
    and leaves the reason for the login page.

    Checked once per script run: the callbacks, app.py, the page guard and the page itself
    share the answer of the first check in the same run (the database is read once per run,
    not three times); every new run (the next click, a chat reply) checks again, so a disabled
    or demoted account is refused at its next action. The store re-checks every write
    (store.access.require_actor)."""
    ss = st.session_state
    session_id = ss.get(SESSION_ID)
    memo, run = ss.get(K_RUN_USER), _this_run()
    if (memo is not None and run is not None and memo[0] is not None and memo[0]() is run
            and session_id is not None and memo[1] == session_id
            and memo[2].id == ss.get(SESSION_USER)):  # fmt: skip
        return memo[2]
    if session_id is not None:
        check = check_session(database(), session_id)
        if not check.ok:
            _forget_session()
            _forget_tab()
            ss[K_ENDED] = check.message
            ss[K_FORGET_COOKIE] = True
            return None
        return _bind(check)
    # A session signed in without a sign-in row (only code can do that, e.g. AppTest): the
    # account is checked as it is, nothing more.
    user_id = ss.get(SESSION_USER)
    if user_id is None:
        return None
    user = get_user(database(), user_id)
    if user is None or user.disabled:
        _forget_session()
        return None
    return user


def _client_info() -> tuple[str, str]:
    """(address, user agent) of the browser, for the sign-in's record."""
    try:
        ip, headers = st.context.ip_address, dict(st.context.headers)
    except Exception:
        return "", ""
    lower = {str(k).lower(): str(v) for k, v in headers.items()
             if isinstance(k, str) and isinstance(v, str)}  # fmt: skip
    address = client_address(ip, lower) or "lokal"  # a trusted proxy's X-Forwarded-For
    return address[:80], lower.get("user-agent", "")[:300]


def sign_in(user: UserRecord, *, via: str = "sandi", sso: str | None = None) -> None:
    """Start a sign-in for `user` in this tab; the browser gets its cookie on the next draw."""
    client, agent = _client_info()
    record, code = start_session(database(), user_id=user.id, via=via, client=client,
                                 user_agent=agent, sso=sso)  # fmt: skip
    ss = st.session_state
    ss[SESSION_ID] = record.id
    ss[SESSION_USER] = user.id
    ss[SESSION_VIA] = via
    ss[SESSION_CODE] = code
    ss[K_SEEN] = (False, record.handoff_expires_at)
    ss[K_COOKIE_READ] = True  # the websocket's cookie (if any) is older than this sign-in
    for key in (K_ENDED, K_FORGET_COOKIE):
        ss.pop(key, None)


def _forget_session() -> None:
    for key in (SESSION_USER, SESSION_VIA, SESSION_ID, SESSION_CODE, K_SEEN, K_LOGIN_ERROR,
                K_RUN_USER, K_ACTIVE):
        st.session_state.pop(key, None)


_TAB_KEYS = (K_COOKIE_READ, K_FORGET_COOKIE, K_ENDED, SESSION_CLIENT, "cso_sso_refusal")


def _forget_tab() -> None:
    """Signed out: forget everything this tab held for the account (the pages' state; their
    work stays in the database for the next sign-in), so whoever signs in next starts clean."""
    ss = st.session_state
    for key in [k for k in ss if k not in _TAB_KEYS]:
        try:
            del ss[key]
        except Exception:  # a widget of this very run; it goes with the run
            pass


def sign_out() -> None:
    """End this sign-in at once (every tab on it is signed out at its next action), forget it
    here, and end the single sign-on session when there is one."""
    ss = st.session_state
    via = ss.get(SESSION_VIA)
    session_id = ss.get(SESSION_ID)
    if session_id is not None:
        revoke_session(database(), session_id=session_id, reason="keluar")
    _forget_session()
    _forget_tab()
    ss[K_FORGET_COOKIE] = True
    ss[K_COOKIE_READ] = True
    if via == "sso":
        st.logout()


def sign_out_everywhere() -> None:
    """"Keluar dari semua perangkat": end every sign-in of the account, this one included."""
    user_id = st.session_state.get(SESSION_USER)
    if user_id is not None:
        revoke_user_sessions(database(), user_id=user_id, reason="keluar_semua")
    sign_out()


def require_roles(allowed: Iterable[str]) -> UserRecord:
    """The first call of every page: the signed-in user if they hold one of `allowed`;
    otherwise a refusal is drawn and the script stops here (nothing of the page is sent)."""
    allowed = frozenset(allowed)
    user = current_user()
    if user is None or user.must_change_password or not allowed & set(user.roles):
        st.error(REFUSAL, icon=":material/block:")
        if allowed:
            st.caption("Halaman ini hanya untuk peran: " + role_labels(allowed) + ".")
        st.stop()
    return user


# ---------------------------------------------------------------- single sign-on (OIDC)
def sso_providers() -> list[str | None] | None:
    """The st.login providers when Streamlit's secrets have an [auth] section, else None.
    [None] means the single default provider; named providers are [auth.NAME] sub-sections."""
    try:
        if "auth" not in st.secrets:
            return None
        auth = st.secrets["auth"]
    except Exception:  # no secrets file at all, or an unreadable one
        return None
    named = [name for name, value in auth.items() if isinstance(value, Mapping)]
    return named or [None]


def _sso_identity() -> dict[str, Any] | None:
    if sso_providers() is None:
        return None
    try:
        if not st.user.get("is_logged_in", False):
            return None
        return {"email": st.user.get("email"), "email_verified": st.user.get("email_verified"),
                "sub": st.user.get("sub"), "iat": st.user.get("iat")}  # fmt: skip
    except Exception:
        return None


def signed_in_user() -> UserRecord | None:
    """The user of this session: the sign-in of this tab, else of the browser's cookie (a
    reload, a new tab, another app process), else a single sign-on identity (mapped to a local
    account by e-mail). A refused SSO identity leaves a message for the login screen."""
    user = current_user()
    if user is not None:
        return user
    ss = st.session_state
    if not ss.get(K_COOKIE_READ):
        ss[K_COOKIE_READ] = True  # the websocket's cookies do not change within a session
        token = _cookie(COOKIE)
        if token:
            check = check_token(database(), token)
            if check.ok:
                return _bind(check)
            ss[K_ENDED] = check.message
            ss[K_FORGET_COOKIE] = True
    return _sso_user()


_SSO_ENDED = "Sesi SSO ini sudah berakhir di aplikasi ini. Masuk lagi dengan SSO."


def _sso_user() -> UserRecord | None:
    identity = _sso_identity()
    if identity is None:
        return None
    db = database()
    key = sso_key(email=identity["email"], subject=identity["sub"], issued_at=identity["iat"])
    if key is not None:
        earlier = session_for_sso(db, key=key)
        if earlier is not None:  # this SSO login already has a sign-in: the same one, or none
            check = check_session(db, earlier.id)
            if check.ok:
                return _bind(check)
            st.session_state["cso_sso_refusal"] = MESSAGES.get(check.reason) or _SSO_ENDED
            return None
        if not sso_is_fresh(identity["iat"]):
            st.session_state["cso_sso_refusal"] = _SSO_ENDED
            return None
    result = user_for_identity(db, email=identity["email"],
                               email_verified=identity["email_verified"])  # fmt: skip
    if not result.ok:
        st.session_state["cso_sso_refusal"] = result.message
        return None
    sign_in(result.user, via="sso", sso=key)
    return result.user


# ---------------------------------------------------------------- the cookie, in the browser
def _post(path: str, body: str | None = None) -> str:
    """A script that posts to one of the app's routes (web/routes.py) once per page."""
    payload = json.dumps(body) if body is not None else "null"
    return (
        "<script>(function(){var b=" + payload + ",k=" + json.dumps(path) + "+(b||'');"
        "window.__cso=window.__cso||{};if(window.__cso[k])return;window.__cso[k]=1;"
        "fetch(" + json.dumps(path) + ",{method:'POST',credentials:'same-origin',"
        "cache:'no-store',headers:{'" + HEADER + "':'1','Content-Type':'text/plain'},"
        "body:b||''}).catch(function(){window.__cso[k]=0;});})();</script>"
    )


def keep_signed_in() -> None:
    """Hand the browser its cookie after a login: until the sign-in is delivered, the page
    posts the one-time code to the app's route, which answers with the HttpOnly cookie."""
    ss = st.session_state
    code, seen = ss.get(SESSION_CODE), ss.get(K_SEEN)
    session_id = ss.get(SESSION_ID)
    if not code or session_id is None:
        return
    delivered, handoff_until = seen if seen else (False, None)
    if delivered:
        ss.pop(SESSION_CODE, None)
        return
    if handoff_until is not None and handoff_until <= utcnow():
        code = renew_handoff(database(), session_id=session_id)
        if code is None:
            ss.pop(SESSION_CODE, None)
            return
        ss[SESSION_CODE] = code
    st.html(_post(SESSION_PATH, code), unsafe_allow_javascript=True)


def _forget_cookie() -> None:
    """On the login page: delete the browser's cookie when its sign-in has ended."""
    if st.session_state.pop(K_FORGET_COOKIE, False):
        st.html(_post(LOGOUT_PATH), unsafe_allow_javascript=True)


# The page to open after a single sign-on login (the provider returns to "/"): the login page
# remembers the address in a cookie of its own (a path, nothing secret).
_REMEMBER_PAGE = (
    "<script>(function(){var p=location.pathname+location.search;"
    "if(p!=='/'&&p.length<300){document.cookie='" + NEXT_COOKIE + "='+encodeURIComponent(p)+"
    "';path=/;max-age=900;samesite=lax'+(location.protocol==='https:'?';secure':'');}})();"
    "</script>"
)


def page_after_login(url_paths: Iterable[str]) -> tuple[str, dict[str, str]] | None:
    """(url_path, query) of the page remembered before a single sign-on login, when it is one
    of `url_paths`; read once per session."""
    ss = st.session_state
    if ss.get(SESSION_VIA) != "sso" or ss.get("cso_lanjut_dibaca"):
        return None
    ss["cso_lanjut_dibaca"] = True
    return parse_next(_cookie(NEXT_COOKIE), url_paths)


def parse_next(value: str | None, url_paths: Iterable[str]) -> tuple[str, dict[str, str]] | None:
    """A remembered address ("/qa?attempt=12", URL-encoded) as (url_path, query), or None
    when it is not a page of the app. Only plain query values are kept."""
    from urllib.parse import unquote

    if not value or len(value) > 600:
        return None
    parts = urlsplit(unquote(value))
    if parts.scheme or parts.netloc:
        return None
    path = parts.path.strip("/").split("/")[-1]
    if path not in set(url_paths):
        return None
    query = {k: v for k, v in parse_qsl(parts.query)[:10]
             if re.fullmatch(r"[a-z_]{1,30}", k) and len(v) <= 100}  # fmt: skip
    return path, query


# ---------------------------------------------------------------- the login screen
def _client() -> str:
    session = st.session_state.setdefault(SESSION_CLIENT, secrets.token_hex(16))
    try:
        ip, headers = st.context.ip_address, dict(st.context.headers)
    except Exception:
        ip, headers = None, {}
    return client_key(ip, headers, session)


def _submit_login() -> None:
    result = authenticate(
        database(),
        username=st.session_state.get(K_USER) or "",
        password=st.session_state.get(K_PASS) or "",
        client=_client(),
    )
    st.session_state[K_PASS] = ""  # never kept in the session, right or wrong
    if result.ok:
        st.session_state.pop(K_USER, None)
        st.session_state.pop(K_LOGIN_ERROR, None)
        sign_in(result.user)
    else:
        st.session_state[K_LOGIN_ERROR] = result.message


def login_screen() -> None:
    """The page of a visitor who is not signed in: first-admin form on an empty database,
    otherwise the login form (and single sign-on when configured), the demo notice in demo
    mode."""
    db = database()
    _, middle, _ = st.columns([1, 1.6, 1])
    with middle:
        st.title(APP_NAME)
        st.caption("Pelatihan SOP Informasi Tagihan & Invoice untuk CSO Contact Center PLN 123")
        if demo_mode():
            _demo_notice()
        _forget_cookie()
        if count_users(db) == 0:
            _first_admin_form()
            return
        ended = st.session_state.get(K_ENDED)
        if ended:
            st.info(ended, icon=":material/schedule:")
        refusal = st.session_state.pop("cso_sso_refusal", None)
        if refusal:
            st.error(plain(refusal), icon=":material/block:")
            st.button("Keluar dari SSO", on_click=st.logout, key="sso_logout")
        _login_form()
        providers = sso_providers()
        if providers:
            st.html(_REMEMBER_PAGE, unsafe_allow_javascript=True)
            st.divider()
            for name in providers:
                label = "Masuk dengan SSO" + (f" ({name})" if name and len(providers) > 1 else "")
                if st.button(label, key=f"sso_{name or 'default'}", icon=":material/key:",
                             width="stretch"):  # fmt: skip
                    if name:
                        st.login(name)
                    else:
                        st.login()


def _login_form() -> None:
    with st.form("login"):
        st.subheader("Masuk")
        st.text_input(
            "Nama pengguna", key=K_USER, max_chars=MAX_USERNAME_INPUT, autocomplete="username"
        )
        st.text_input(
            "Kata sandi",
            key=K_PASS,
            type="password",
            max_chars=MAX_PASSWORD_CHARS,
            autocomplete="current-password",
        )
        st.form_submit_button("Masuk", type="primary", on_click=_submit_login, width="stretch")
    error = st.session_state.get(K_LOGIN_ERROR)
    if error:
        st.error(error, icon=":material/error:")


def _demo_notice() -> None:
    st.warning(
        "**Mode demo.** Aplikasi ini berjalan sebagai demo dengan akun contoh di bawah. "
        "Jangan memasukkan data pelanggan asli.",
        icon=":material/science:",
    )
    rows = [
        {"Nama pengguna": u, "Kata sandi": DEMO_PASSWORD, "Peran": role_labels(roles)}
        for u, _, roles in DEMO_ACCOUNTS
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def _first_admin_form() -> None:
    st.subheader("Buat admin pertama")
    st.write(
        "Belum ada akun di basis data ini. Buat akun admin pertama; admin lalu menambahkan "
        "pengguna lain di halaman Pengguna."
    )
    with st.form("first_admin"):
        username = st.text_input("Nama pengguna", max_chars=MAX_USERNAME_INPUT, key="fa_username")
        name = st.text_input("Nama lengkap", max_chars=200, key="fa_name")
        pw = _password_input("Kata sandi", "new-password", key="fa_password")
        pw2 = _password_input("Ulangi kata sandi", "new-password", key="fa_password2")
        submitted = st.form_submit_button("Buat admin", type="primary", width="stretch")
    st.caption("Dari terminal: `cso-trainer users add NAMA --role admin` (kata sandi dibaca dari "
               "standard input).")  # fmt: skip
    if not submitted:
        return
    if pw != pw2:
        st.error("Kedua kata sandi tidak sama.")
        return
    try:
        user = create_first_admin(database(), username=username, display_name=name, password=pw)
    except StoreError as exc:
        st.error(store_message(exc))
        return
    sign_in(user)
    st.rerun()


# ---------------------------------------------------------------- passwords
FIELD_LABELS = {
    "username": "Nama pengguna",
    "display_name": "Nama lengkap",
    "password": "Kata sandi",
    "current_password": "Kata sandi lama",
    "roles": "Peran",
    "email": "Email SSO",
    "disabled": "Status",
}


def store_message(exc: StoreError) -> str:
    label = FIELD_LABELS.get(exc.field, exc.field)
    message = exc.message[:1].upper() + exc.message[1:]
    if message.lower().startswith(label.lower()):  # "Kata sandi minimal 8 karakter."
        return plain(message)
    return plain(f"{label}: {message}")


def was_reset(user: UserRecord) -> bool:
    """Whether the password to replace comes from an admin's reset (the audit trail has a
    password change of the account), not from the account's creation (a first sign-in)."""
    from store.audit import list_audit

    changes = list_audit(database(), target_type="user", target_id=user.id, limit=1000)
    return any(c.action == "user.set_password" for c in changes)


def change_password_screen(user: UserRecord) -> None:
    """Shown instead of every page while the account must change its password."""
    _, middle, _ = st.columns([1, 1.6, 1])
    with middle:
        st.title("Ganti kata sandi")
        if was_reset(user):
            st.info("Kata sandi Anda diatur ulang oleh admin. Buat kata sandi baru sebelum "
                    "melanjutkan.", icon=":material/lock_reset:")  # fmt: skip
        else:
            st.info("Selamat datang! Ini pertama kali Anda masuk dengan kata sandi sementara "
                    "dari admin. Buat kata sandi Anda sendiri sebelum melanjutkan.",
                    icon=":material/waving_hand:")  # fmt: skip
        if password_form(user, key="must_change", ask_current=False):
            st.rerun()
        st.button("Keluar", on_click=sign_out, key="must_change_logout", icon=":material/logout:")


def _password_input(label: str, autocomplete: str, key: str | None = None) -> str:
    return st.text_input(
        label, type="password", max_chars=MAX_PASSWORD_CHARS, autocomplete=autocomplete, key=key
    )


def password_form(user: UserRecord, *, key: str, ask_current: bool) -> bool:
    """A new-password form; True once the password was changed."""
    with st.form(key, clear_on_submit=True):
        current = _password_input("Kata sandi lama", "current-password") if ask_current else None
        new = _password_input("Kata sandi baru", "new-password")
        again = _password_input("Ulangi kata sandi baru", "new-password")
        submitted = st.form_submit_button("Simpan kata sandi", type="primary")
    if not submitted:
        return False
    if new != again:
        st.error("Kedua kata sandi baru tidak sama.")
        return False
    try:
        change_password(database(), user_id=user.id, new_password=new, current_password=current,
                        keep_session=st.session_state.get(SESSION_ID))
    except StoreError as exc:
        st.error(store_message(exc))
        return False
    st.session_state.pop(K_ACTIVE, None)  # the other sign-ins ended: count them again
    st.success("Kata sandi diganti.")
    return True


# ---------------------------------------------------------------- sidebar
def _active_count(user_id: int) -> int:
    """How many sign-ins of the account are active, for the help text of "Keluar dari semua
    perangkat": counted again after ACTIVE_TTL_S, not on every rerun (a number in a tooltip;
    signing out forgets it, a password change counts again)."""
    ss = st.session_state
    held = ss.get(K_ACTIVE)
    now = time.monotonic()
    if held is not None and held[0] == user_id and now - held[1] < ACTIVE_TTL_S:
        return held[2]
    n = len(active_sessions(database(), user_id=user_id))
    ss[K_ACTIVE] = (user_id, now, n)
    return n


def account_sidebar(user: UserRecord) -> None:
    """Who is signed in, their roles, and "Keluar" (one click)."""
    with st.sidebar:
        st.divider()
        with st.container(key="account"):
            st.caption("Masuk sebagai")
            st.text(user.display_name)
            st.caption(plain(f"{user.username} · {role_labels(user.roles)}"))
            st.button(
                "Keluar", on_click=sign_out, key="logout", icon=":material/logout:",
                width="stretch",
            )  # fmt: skip
            n = _active_count(user.id)
            where = f"saat ini {n} sesi aktif" if n else "tidak ada sesi lain yang aktif"
            st.button(
                "Keluar dari semua perangkat", on_click=sign_out_everywhere, key="logout_all",
                icon=":material/devices:", width="stretch",
                help=f"Mengakhiri sesi di semua browser dan perangkat tempat akun ini masuk "
                     f"({where}), termasuk yang ini.",
            )  # fmt: skip
            if st.session_state.get(SESSION_VIA) != "sso":
                with st.popover("Ganti kata sandi", icon=":material/password:", width="stretch"):
                    password_form(user, key="own_password", ask_current=True)
            keep_signed_in()


__all__ = [
    "REFUSAL",
    "ROLE_LABELS",
    "account_sidebar",
    "change_password_screen",
    "current_user",
    "login_screen",
    "plain",
    "require_roles",
    "keep_signed_in",
    "page_after_login",
    "parse_next",
    "sign_in",
    "sign_out",
    "sign_out_everywhere",
    "signed_in_user",
]
