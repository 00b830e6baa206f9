"""Signing in and out, the page guard, and the account box in the sidebar.

The checks themselves are domain functions (store.auth, core.security); this module draws the
forms and keeps only the signed-in user's id in st.session_state. The user is read from the
database on every run, so disabling an account or changing its roles applies at once.

Nothing here renders what a user typed as HTML or Markdown: names go through `st.text` or
`plain()`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

import streamlit as st

from core.config import demo_mode
from core.security import MAX_PASSWORD_CHARS, MAX_USERNAME_INPUT, client_key
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
from store.users import UserRecord
from views.roles import ROLE_LABELS, role_labels
from views.state import database

SESSION_USER = "cso_user_id"
SESSION_VIA = "cso_login_via"  # "sandi" (password) or "sso"
SESSION_CLIENT = "cso_client_id"
K_USER, K_PASS = "login_username", "login_password"
K_LOGIN_ERROR = "cso_login_error"
REFUSAL = "Anda tidak memiliki akses ke halaman ini."
APP_NAME = "CSO Trainer PLN 123"


def plain(text: str) -> str:
    """Text for st.markdown/st.error shown literally: no emphasis, links, images or HTML."""
    return re.sub(r"([\\`*_{}\[\]<>()#+\-.!|~:$=&])", r"\\\1", " ".join(str(text).split()))


# ---------------------------------------------------------------- who is signed in
def current_user() -> UserRecord | None:
    """The signed-in user, fresh from the database; None when nobody is (or the account was
    deleted or disabled since, which also signs the session out)."""
    user_id = st.session_state.get(SESSION_USER)
    if user_id is None:
        return None
    user = get_user(database(), user_id)
    if user is None or user.disabled:
        _forget_session()
        return None
    return user


def sign_in(user: UserRecord, *, via: str = "sandi") -> None:
    st.session_state[SESSION_USER] = user.id
    st.session_state[SESSION_VIA] = via


def _forget_session() -> None:
    for key in (SESSION_USER, SESSION_VIA, K_LOGIN_ERROR):
        st.session_state.pop(key, None)


def sign_out() -> None:
    """Forget the signed-in user (and end the single sign-on session when there is one)."""
    via = st.session_state.get(SESSION_VIA)
    _forget_session()
    if via == "sso":
        st.logout()


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
        return {"email": st.user.get("email"), "email_verified": st.user.get("email_verified")}
    except Exception:
        return None


def signed_in_user() -> UserRecord | None:
    """The user of this session: signed in by password, or by single sign-on (mapped to a local
    account by e-mail). A refused SSO identity leaves a message for the login screen."""
    user = current_user()
    if user is not None:
        return user
    identity = _sso_identity()
    if identity is None:
        return None
    result = user_for_identity(database(), **identity)
    if not result.ok:
        st.session_state["cso_sso_refusal"] = result.message
        return None
    sign_in(result.user, via="sso")
    return result.user


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
        if count_users(db) == 0:
            _first_admin_form()
            return
        refusal = st.session_state.pop("cso_sso_refusal", None)
        if refusal:
            st.error(plain(refusal), icon=":material/block:")
            st.button("Keluar dari SSO", on_click=st.logout, key="sso_logout")
        _login_form()
        providers = sso_providers()
        if providers:
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
    return plain(f"{label}: {message}")


def change_password_screen(user: UserRecord) -> None:
    """Shown instead of every page while the account must change its password."""
    _, middle, _ = st.columns([1, 1.6, 1])
    with middle:
        st.title("Ganti kata sandi")
        st.info(
            "Kata sandi Anda diatur ulang oleh admin. Buat kata sandi baru sebelum melanjutkan.",
            icon=":material/lock_reset:",
        )
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
        change_password(database(), user_id=user.id, new_password=new, current_password=current)
    except StoreError as exc:
        st.error(store_message(exc))
        return False
    st.success("Kata sandi diganti.")
    return True


# ---------------------------------------------------------------- sidebar
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
            if st.session_state.get(SESSION_VIA) != "sso":
                with st.popover("Ganti kata sandi", icon=":material/password:", width="stretch"):
                    password_form(user, key="own_password", ask_current=True)


__all__ = [
    "REFUSAL",
    "ROLE_LABELS",
    "account_sidebar",
    "change_password_screen",
    "current_user",
    "login_screen",
    "plain",
    "require_roles",
    "sign_in",
    "sign_out",
    "signed_in_user",
]
