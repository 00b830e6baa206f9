"""The admin's "Pengguna" page: accounts, roles, SSO e-mails, password resets, disabling.

Every change is a store function that writes the audit trail in the same transaction, with the
signed-in admin as the actor. A new account and a reset get a random temporary password, shown
once here; the user must replace it at the next login. Names are shown as text, never as HTML.
"""

from __future__ import annotations

import streamlit as st

from core.security import MAX_USERNAME_INPUT, temporary_password
from store import list_users, set_disabled, set_roles
from store.auth import create_account, recent_user_changes, reset_password, set_email
from store.errors import StoreError
from store.models import ROLES
from store.users import MAX_NAME_CHARS, UserRecord
from views.auth import plain, require_roles, store_message
from views.qa_page import waktu
from views.roles import ROLE_LABELS, role_labels
from views.state import database

ALLOWED = frozenset({"admin"})
K_FLASH = "users_flash"  # (kind, message) shown once at the top
K_TEMP = "users_temp_password"  # (username, temporary password) shown once
K_SECTION = "users_section"  # the part of the page shown; kept across every action
K_CONFIRM = "users_confirm"  # (action, user id) waiting for the admin's confirmation
SECTIONS = ("Tambah pengguna", "Ubah pengguna", "Riwayat perubahan")
K_NEW = {"username": "new_username", "name": "new_name", "email": "new_email", "roles": "new_roles"}
ACTIONS = {
    "user.create": "akun dibuat",
    "user.set_roles": "peran diubah",
    "user.set_disabled": "status diubah",
    "user.set_password": "kata sandi diganti",
    "user.set_email": "email SSO diubah",
}


def describe(state: dict | None) -> str:
    """An audit entry's state as words: {"disabled": true} -> "nonaktif"."""
    if not state:
        return ""
    if not isinstance(state, dict):
        return str(state)
    parts = []
    for key, value in state.items():
        if key == "disabled":
            parts.append("nonaktif" if value else "aktif")
        elif key == "roles":
            parts.append(f"peran {role_labels(value or [])}" if value else "tanpa peran")
        elif key == "email":
            parts.append(f"email SSO {value}" if value else "tanpa email SSO")
        elif key == "password":
            parts.append("kata sandi diganti")
        elif key == "must_change_password":
            parts.append("wajib ganti sandi saat masuk" if value else "tidak wajib ganti sandi")
        elif key == "username":
            parts.append(f"nama pengguna {value}")
        elif key == "display_name":
            parts.append(f"nama {value}")
        else:
            shown = {True: "ya", False: "tidak", None: "-"}.get(value, value) \
                if isinstance(value, bool | None) else value
            parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def user_rows(users: list[UserRecord]) -> list[dict]:
    return [
        {
            "Nama pengguna": u.username,
            "Nama": u.display_name,
            "Peran": role_labels(u.roles),
            "Email SSO": u.email or "",
            "Status": "nonaktif" if u.disabled else "aktif",
            "Wajib ganti sandi": "ya" if u.must_change_password else "",
        }
        for u in users
    ]


def _flash(kind: str, message: str) -> None:
    st.session_state[K_FLASH] = (kind, message)


def _failed(exc: StoreError) -> None:
    _flash("error", store_message(exc))


# ---------------------------------------------------------------- actions (button callbacks)
def _add(admin_id: int) -> None:
    s = st.session_state
    username = (s.get(K_NEW["username"]) or "").strip().lower()
    temp = temporary_password()
    try:
        create_account(
            database(),
            username=username,
            display_name=s.get(K_NEW["name"]) or "",
            roles=s.get(K_NEW["roles"]) or [],
            email=s.get(K_NEW["email"]) or None,
            password=temp,
            must_change_password=True,
            actor_id=admin_id,
        )
    except StoreError as exc:
        _failed(exc)
        return
    for key in ("username", "name", "email"):
        s[K_NEW[key]] = ""
    s[K_NEW["roles"]] = ["trainee"]
    s[K_TEMP] = (username, temp)
    _flash("success", plain(f"Akun {username} dibuat."))


def _save_roles(admin_id: int, user: UserRecord) -> None:
    roles = st.session_state.get(f"roles_{user.id}") or []
    try:
        set_roles(database(), user_id=user.id, roles=roles, actor_id=admin_id)
    except StoreError as exc:
        _failed(exc)
        return
    _flash("success", plain(f"Peran {user.username}: {role_labels(roles)}."))


def _save_email(admin_id: int, user: UserRecord) -> None:
    email = st.session_state.get(f"email_{user.id}") or None
    try:
        set_email(database(), user_id=user.id, email=email, actor_id=admin_id)
    except StoreError as exc:
        _failed(exc)
        return
    _flash("success", plain(f"Email SSO {user.username} disimpan."))


def _ask(action: str, user: UserRecord) -> None:
    st.session_state[K_CONFIRM] = (action, user.id)


def _cancel() -> None:
    st.session_state.pop(K_CONFIRM, None)


def _reset(admin_id: int, user: UserRecord) -> None:
    _cancel()
    try:
        temp = reset_password(database(), user_id=user.id, actor_id=admin_id)
    except StoreError as exc:
        _failed(exc)
        return
    st.session_state[K_TEMP] = (user.username, temp)
    _flash("success", plain(f"Kata sandi {user.username} diatur ulang."))


def _toggle(admin_id: int, user: UserRecord) -> None:
    _cancel()
    try:
        set_disabled(database(), user_id=user.id, disabled=not user.disabled, actor_id=admin_id)
    except StoreError as exc:
        _failed(exc)
        return
    state = "diaktifkan" if user.disabled else "dinonaktifkan"
    _flash("success", plain(f"Akun {user.username} {state}."))


# ---------------------------------------------------------------- the page
def render() -> None:
    admin = require_roles(ALLOWED)
    st.title("Pengguna")
    db = database()
    flash = st.session_state.pop(K_FLASH, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    temp = st.session_state.pop(K_TEMP, None)
    if temp:
        with st.container(border=True, key="temp_password"):
            st.markdown(plain(f"Kata sandi sementara untuk {temp[0]} (hanya ditampilkan sekali):"))
            st.code(temp[1], language=None)
            st.caption("Berikan kepada pengguna; ia wajib menggantinya saat pertama masuk.")

    users = list_users(db)
    st.dataframe(user_rows(users), hide_index=True, width="stretch")
    # A segmented control, not st.tabs: its choice is kept in the session, so an action or an
    # edit never jumps back to the first part.
    st.session_state.setdefault(K_SECTION, SECTIONS[0])
    if st.session_state.get(K_SECTION) not in SECTIONS:  # clicking the chosen one unselects it
        st.session_state[K_SECTION] = SECTIONS[0]
    section = st.segmented_control("Bagian", SECTIONS, key=K_SECTION, label_visibility="collapsed")
    if section == SECTIONS[1]:
        _edit(admin, users)
    elif section == SECTIONS[2]:
        _history(users)
    else:
        _add_form(admin)


def _add_form(admin: UserRecord) -> None:
    st.session_state.setdefault(K_NEW["roles"], ["trainee"])
    with st.form("user_add"):
        left, right = st.columns(2)
        left.text_input(
            "Nama pengguna", key=K_NEW["username"], max_chars=MAX_USERNAME_INPUT,
            help="2-64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung.",
        )  # fmt: skip
        right.text_input("Nama lengkap", key=K_NEW["name"], max_chars=MAX_NAME_CHARS)
        left.multiselect("Peran", ROLES, key=K_NEW["roles"], format_func=ROLE_LABELS.get,
                         placeholder="Pilih peran", select_all=False)  # no English row
        right.text_input(
            "Email SSO (opsional)", key=K_NEW["email"], max_chars=254,
            help="Untuk masuk dengan SSO: email identitas SSO yang dipetakan ke akun ini.",
        )  # fmt: skip
        st.form_submit_button("Tambah pengguna", type="primary", on_click=_add, args=(admin.id,))
    st.caption("Akun baru mendapat kata sandi sementara yang wajib diganti saat pertama masuk.")


def _edit(admin: UserRecord, users: list[UserRecord]) -> None:
    if not users:
        return
    by_id = {u.id: u for u in users}
    chosen = st.selectbox(
        "Pilih pengguna",
        list(by_id),
        format_func=lambda i: f"{by_id[i].username} — {by_id[i].display_name}",
        key="users_selected",
    )
    user = by_id[chosen]
    roles_col, email_col, account_col = st.columns(3)
    with roles_col, st.container(border=True):
        st.multiselect(
            "Peran", ROLES, default=list(user.roles), key=f"roles_{user.id}",
            format_func=ROLE_LABELS.get, placeholder="Pilih peran",
            select_all=False,  # Streamlit's "Select all" row is English, not translatable
        )  # fmt: skip
        st.button("Simpan peran", key=f"save_roles_{user.id}", on_click=_save_roles,
                  args=(admin.id, user))  # fmt: skip
    with email_col, st.container(border=True):
        st.text_input("Email SSO", value=user.email or "", key=f"email_{user.id}", max_chars=254)
        st.button("Simpan email", key=f"save_email_{user.id}", on_click=_save_email,
                  args=(admin.id, user))  # fmt: skip
    with account_col, st.container(border=True):
        st.caption("Status: " + ("nonaktif" if user.disabled else "aktif"))
        st.button("Atur ulang kata sandi", key=f"reset_{user.id}", on_click=_ask,
                  args=("reset", user), icon=":material/lock_reset:")  # fmt: skip
        own = user.id == admin.id
        st.button(
            "Aktifkan" if user.disabled else "Nonaktifkan",
            key=f"toggle_{user.id}",
            on_click=_ask,
            args=("toggle", user),
            disabled=own and not user.disabled,
            help="Akun Anda sendiri tidak dapat dinonaktifkan di sini." if own else None,
            icon=":material/person_off:" if not user.disabled else ":material/person_check:",
        )
    _confirm(admin, user)


def _confirm(admin: UserRecord, user: UserRecord) -> None:
    """Resetting a password and disabling an account act only after "Ya, ..." is pressed."""
    asked = st.session_state.get(K_CONFIRM)
    if not asked or asked[1] != user.id:
        return
    if asked[0] == "reset":
        question = (f"Atur ulang kata sandi {user.username}? Kata sandinya yang sekarang tidak "
                    "berlaku lagi dan semua sesi masuknya diakhiri.")
        yes, action = "Ya, atur ulang", _reset
    elif user.disabled:
        question = f"Aktifkan kembali akun {user.username}?"
        yes, action = "Ya, aktifkan", _toggle
    else:
        question = (f"Nonaktifkan akun {user.username}? Ia tidak dapat masuk lagi dan semua "
                    "sesi masuknya diakhiri.")
        yes, action = "Ya, nonaktifkan", _toggle
    with st.container(border=True, key="users_confirm_box"):
        st.warning(plain(question), icon=":material/help:")
        with st.container(horizontal=True):
            st.button(yes, key=f"confirm_{asked[0]}_{user.id}", type="primary", on_click=action,
                      args=(admin.id, user))  # fmt: skip
            st.button("Batal", key=f"cancel_{asked[0]}_{user.id}", on_click=_cancel)


def _history(users: list[UserRecord]) -> None:
    names = {u.id: u.username for u in users}
    changes = recent_user_changes(database(), limit=100)
    if not changes:
        st.info("Belum ada perubahan.")
        return
    rows = [
        {
            "Waktu": waktu(c.at),
            "Oleh": names.get(c.actor_id, "sistem (CLI)") if c.actor_id else "sistem (CLI)",
            "Akun": names.get(int(c.target_id), c.target_id),
            "Perubahan": ACTIONS.get(c.action, c.action),
            "Sebelum": describe(c.old),
            "Sesudah": describe(c.new),
        }
        for c in changes
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
