"""Signing in: passwords, refusals that say nothing about which part was wrong, the backoff per
account and per client (with an injected clock: nothing sleeps), the forced password change,
single sign-on mapping, the first admin, and a database that never holds a clear password.

Domain tests run on SQLite and, with CSO_TEST_POSTGRES_URL, on PostgreSQL (`db` fixture); the
page tests run app.py in AppTest against a test database of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, func, select

from core.security import (
    FREE_FAILURES_ACCOUNT,
    FREE_FAILURES_CLIENT,
    GENERIC_FAILURE,
    MAX_DELAY_SECONDS,
    backoff_delay,
    client_key,
    hash_password,
    password_problem,
    verify_password,
)
from store import StoreError, count_users, list_audit, set_disabled
from store.auth import (
    authenticate,
    change_password,
    create_account,
    create_first_admin,
    reset_password,
    set_email,
    user_for_identity,
)
from store.models import LoginFailure, User
from tests.accounts import PASSWORD, app_as, user_id

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
SECRET = "Rahasia!Kuat-2025"


@pytest.fixture
def siti(db):
    return create_account(
        db, username="siti", display_name="Siti Rahayu", roles=["trainee"], password=SECRET
    )


def login(db, username, password, *, client="klien-a", at=T0):
    return authenticate(db, username=username, password=password, client=client, now=at)


def failures(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(LoginFailure))


# ---------------------------------------------------------------- right and wrong
def test_the_right_password_signs_in(db, siti):
    result = login(db, "siti", SECRET)
    assert result.ok and result.message is None
    assert result.user.id == siti.id and result.user.roles == ("trainee",)
    assert login(db, "  SITI ", SECRET).ok  # the username in any case, spaces ignored


def test_every_refusal_says_the_same_thing_whatever_was_wrong(db, siti):
    create_account(db, username="budi", display_name="Budi", roles=["trainee"], password=SECRET)
    set_disabled(db, user_id=id_of(db, "budi"), disabled=True, actor_id=None)

    wrong_password = login(db, "siti", SECRET + "x")
    unknown_user = login(db, "tidakada", SECRET)
    disabled_user = login(db, "budi", SECRET, client="klien-b")  # the right password
    empty = login(db, "", "")
    for result in (wrong_password, unknown_user, disabled_user, empty):
        assert not result.ok and result.user is None
        assert result.message == GENERIC_FAILURE == "Nama pengguna atau kata sandi salah."
        assert result.wait_seconds == 0


def id_of(db, username):
    from store import get_user_by_username

    return get_user_by_username(db, username).id


@pytest.mark.parametrize(
    "username, password",
    [
        ("siti' OR '1'='1", "x"),
        ("siti'; DROP TABLE users; --", SECRET),
        ("siti", "' OR '1'='1' --"),
        ("admin\" OR 1=1 --", "\" OR \"\"=\""),
        ("siti\x00", SECRET),
        ("%", "%"),
        ("siti_", SECRET),
    ],
)
def test_sql_like_input_is_just_a_wrong_login(db, siti, username, password):
    result = login(db, username, password)
    assert not result.ok and result.message == GENERIC_FAILURE
    assert count_users(db) == 1 and login(db, "siti", SECRET).ok  # nothing changed


def test_a_megabyte_of_input_is_refused_cleanly(db, siti):
    huge = "a" * 1_000_000
    for username, password in ((huge, SECRET), ("siti", huge), (huge, huge)):
        result = login(db, username, password)
        assert not result.ok and result.message == GENERIC_FAILURE
    assert login(db, "siti", SECRET).ok


# ---------------------------------------------------------------- backoff
def test_backoff_per_account_grows_and_is_capped(db, siti):
    # failures from different clients: only the account key adds up
    for i in range(FREE_FAILURES_ACCOUNT):
        assert login(db, "siti", "salah", client=f"k{i}").message == GENERIC_FAILURE
    refused = login(db, "siti", SECRET, client="baru", at=T0 + timedelta(milliseconds=500))
    assert not refused.ok and refused.wait_seconds == 1
    assert refused.message == "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 1 detik."
    # the delay passes: the right password works again, and clears the account's failures
    assert login(db, "siti", SECRET, client="baru", at=T0 + timedelta(seconds=1)).ok
    assert login(db, "siti", "salah", client="baru", at=T0 + timedelta(seconds=2)).message == (
        GENERIC_FAILURE
    )

    assert [backoff_delay(n, free=3) for n in range(2, 12)] == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    t = T0 + timedelta(minutes=1)
    for n in range(12):  # keep failing, each time just after the delay has passed
        r = login(db, "siti", "salah", client=f"c{n}", at=t)
        assert r.message == GENERIC_FAILURE, n
        t += timedelta(seconds=MAX_DELAY_SECONDS)
    assert login(db, "siti", SECRET, at=t - timedelta(seconds=1)).wait_seconds == 1
    assert login(db, "siti", SECRET, at=t - timedelta(seconds=59.5)).wait_seconds == 60


def test_a_refused_attempt_checks_no_password_and_records_nothing(db, siti):
    for _ in range(FREE_FAILURES_ACCOUNT):
        login(db, "siti", "salah")
    before = failures(db)
    assert login(db, "siti", SECRET).wait_seconds == 1  # the right password, still refused
    assert login(db, "siti", "salah").wait_seconds == 1  # the same answer: no oracle
    assert failures(db) == before


def test_old_failures_fall_out_of_the_window(db, siti):
    for _ in range(FREE_FAILURES_ACCOUNT + 3):
        login(db, "siti", "salah", at=T0 - timedelta(hours=1))
    assert login(db, "siti", SECRET).ok
    login(db, "lain", "salah")  # writing a failure forgets the ones older than the window
    with db.session() as s:
        assert s.scalar(select(func.min(LoginFailure.at))) == T0


def test_backoff_per_client_across_accounts(db, siti):
    for i in range(FREE_FAILURES_CLIENT):  # one client tries many names
        assert login(db, f"tebak{i}", "salah", client="penyerang").message == GENERIC_FAILURE
    refused = login(db, "siti", SECRET, client="penyerang")
    assert refused.wait_seconds == 1 and not refused.ok
    assert login(db, "siti", SECRET, client="kantor").ok  # the account itself is not locked


def test_the_client_key_is_the_address_or_the_local_proxys_or_the_session():
    assert client_key("203.0.113.9", {"X-Forwarded-For": "1.1.1.1"}, "s1") == "ip:203.0.113.9"
    # a local reverse proxy (the connection comes from this host): the address it saw
    forwarded = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}
    assert client_key(None, forwarded, "s1") == "ip:198.51.100.7"
    assert client_key(None, {"x-real-ip": "198.51.100.8"}, "s1") == "ip:198.51.100.8"
    assert client_key(None, {}, "s1") == "sesi:s1"
    assert client_key(object(), None, "s2") == "sesi:s2"  # not an address at all


# ---------------------------------------------------------------- passwords
def test_new_passwords_follow_the_rules(db, siti):
    assert password_problem("pendek") == "Kata sandi minimal 8 karakter."
    assert password_problem("x" * 257) == "Kata sandi maksimal 256 karakter."
    assert password_problem("siti.rahayu", username="Siti.Rahayu")
    assert password_problem("        ") == "Kata sandi tidak boleh hanya berisi spasi."
    assert password_problem(SECRET) is None
    with pytest.raises(StoreError) as err:
        create_account(db, username="budi", display_name="Budi", roles=["qa"], password="123")
    assert err.value.field == "password" and count_users(db) == 1
    digest = hash_password(SECRET)
    assert digest.startswith("$argon2id$") and digest != hash_password(SECRET)
    assert verify_password(digest, SECRET) and not verify_password(digest, SECRET.lower())
    assert not verify_password(None, SECRET) and not verify_password("bukan-hash", SECRET)


def test_an_admin_reset_forces_a_new_password_at_the_next_login(db, siti):
    admin = create_account(db, username="admin", display_name="A", roles=["admin"], password=SECRET)
    temp = reset_password(db, user_id=siti.id, actor_id=admin.id)
    assert not login(db, "siti", SECRET).ok  # the old password is gone
    signed = login(db, "siti", temp, client="lain")
    assert signed.ok and signed.user.must_change_password

    with pytest.raises(StoreError, match="berbeda"):
        change_password(db, user_id=siti.id, new_password=temp)
    with pytest.raises(StoreError, match="minimal 8"):
        change_password(db, user_id=siti.id, new_password="pendek")
    changed = change_password(db, user_id=siti.id, new_password="Baru-Sekali-99")
    assert not changed.must_change_password
    assert login(db, "siti", "Baru-Sekali-99", client="lain2").ok
    assert not login(db, "siti", temp, client="lain3").ok

    entries = [(e.action, e.actor_id, e.new) for e in list_audit(db, target_id=siti.id)]
    assert ("user.set_password", admin.id, {"password": "diganti",
                                             "must_change_password": True}) in entries  # fmt: skip
    assert entries[-1] == ("user.set_password", siti.id,
                           {"password": "diganti", "must_change_password": False})  # fmt: skip


def test_a_voluntary_change_needs_the_current_password(db, siti):
    with pytest.raises(StoreError) as err:
        change_password(db, user_id=siti.id, new_password="Baru-Sekali-99", current_password="x")
    assert err.value.field == "current_password"
    change_password(db, user_id=siti.id, new_password="Baru-Sekali-99", current_password=SECRET)
    assert login(db, "siti", "Baru-Sekali-99").ok


def test_the_database_holds_no_clear_password(db, siti):
    admin = create_account(db, username="admin", display_name="A", roles=["admin"], password=SECRET)
    typed_as_name = "Sandi-Salah-Ketik-Di-Nama"
    login(db, typed_as_name, "apa saja")  # a password typed into the username field
    login(db, "siti", "Sandi-Yang-Keliru")
    temp = reset_password(db, user_id=siti.id, actor_id=admin.id)
    change_password(db, user_id=siti.id, new_password="Sandi-Baru-Rahayu-1")
    set_email(db, user_id=siti.id, email="siti@pln.co.id", actor_id=admin.id)
    clear = [SECRET, typed_as_name, "Sandi-Yang-Keliru", temp, "Sandi-Baru-Rahayu-1"]

    meta = MetaData()
    meta.reflect(db.engine)
    seen = []
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()):
                seen.extend(str(v) for v in row)
    everything = "\n".join(seen).lower()
    assert "siti@pln.co.id" in everything  # the scan does read the tables
    for word in clear:
        assert word.lower() not in everything, word
    audit = " ".join(str((e.old, e.new, e.comment)) for e in list_audit(db))
    assert "$argon2" not in audit
    with db.session() as s:
        assert s.scalar(select(User.password_hash).where(User.id == siti.id)).startswith(
            "$argon2id$"
        )


# ---------------------------------------------------------------- single sign-on and first admin
def test_an_sso_identity_maps_to_the_account_with_its_email(db, siti):
    set_email(db, user_id=siti.id, email=" Siti.Rahayu@PLN.co.id ", actor_id=None)
    mapped = user_for_identity(db, email="siti.rahayu@pln.co.id", email_verified=True)
    assert mapped.ok and mapped.user.id == siti.id and mapped.user.roles == ("trainee",)

    unknown = user_for_identity(db, email="orang.lain@pln.co.id")
    assert not unknown.ok and unknown.message == (
        "Akun SSO orang.lain@pln.co.id belum terdaftar di aplikasi ini. Minta admin "
        "menghubungkan email ini ke akun Anda."
    )
    assert "belum diverifikasi" in user_for_identity(
        db, email="siti.rahayu@pln.co.id", email_verified=False
    ).message
    assert "tidak mengirim alamat email" in user_for_identity(db, email=None).message
    set_disabled(db, user_id=siti.id, disabled=True, actor_id=None)
    assert user_for_identity(db, email="siti.rahayu@pln.co.id").message == (
        "Akun Anda dinonaktifkan. Hubungi admin."
    )


def test_an_sso_email_belongs_to_one_account(db, siti):
    other = create_account(db, username="budi", display_name="B", roles=["qa"], password=SECRET,
                           email="budi@pln.co.id")  # fmt: skip
    with pytest.raises(StoreError) as err:
        set_email(db, user_id=siti.id, email="BUDI@pln.co.id", actor_id=None)
    assert err.value.field == "email" and "budi" in err.value.message
    with pytest.raises(StoreError, match="bukan alamat email"):
        set_email(db, user_id=siti.id, email="bukan email", actor_id=None)
    set_email(db, user_id=other.id, email="", actor_id=None)  # unmapped
    assert user_for_identity(db, email="budi@pln.co.id").message.startswith("Akun SSO")


def test_the_first_admin_only_on_an_empty_database(db):
    admin = create_first_admin(db, username="kepala", display_name="Kepala", password=SECRET)
    assert admin.roles == ("admin",) and not admin.must_change_password
    with pytest.raises(StoreError, match="sudah dibuat"):
        create_first_admin(db, username="kedua", display_name="Kedua", password=SECRET)
    assert count_users(db) == 1


# ---------------------------------------------------------------- the login page (AppTest)
def sidebar_links(at) -> list[str]:
    return [link.label for link in at.sidebar.get("page_link")]


def submit_login(at, username, password):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="FormSubmitter:login-Masuk").click().run()


def test_login_form_signs_in_and_keluar_signs_out(fresh_app_db):
    at = app_as(None).run()
    assert at.title[0].value == "CSO Trainer PLN 123" and not sidebar_links(at)
    assert at.subheader[0].value == "Masuk"

    submit_login(at, "peserta1", PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Basis Pengetahuan SOP"
    assert "Dewi Lestari (demo)" in [t.value for t in at.sidebar.text]
    assert "peserta1 · Peserta \\(CSO\\)" in [c.value for c in at.sidebar.caption]
    assert PASSWORD not in [v for _, v in at.session_state.items()]  # not kept in the session

    at.button(key="logout").click().run()
    assert at.subheader[0].value == "Masuk" and not sidebar_links(at)


def test_a_user_changes_their_own_password_from_the_sidebar(fresh_app_db):
    from tests.accounts import database

    at = app_as("peserta2").run()
    form = at.sidebar.get("popover")[0]
    current, new, again = form.text_input
    current.input("bukan-sandinya")
    new.input("Sandi-Baru-Budi-2")
    again.input("Sandi-Baru-Budi-2")
    at.button(key="FormSubmitter:own_password-Simpan kata sandi").click().run()
    assert [e.value.replace("\\", "") for e in at.sidebar.error] == [
        "Kata sandi lama: Tidak cocok dengan kata sandi Anda saat ini"
    ]
    current, new, again = at.sidebar.get("popover")[0].text_input
    current.input(PASSWORD)
    new.input("Sandi-Baru-Budi-2")
    again.input("Sandi-Baru-Budi-2")
    at.button(key="FormSubmitter:own_password-Simpan kata sandi").click().run()
    assert [e.value for e in at.sidebar.success] == ["Kata sandi diganti."]
    assert login(database(), "peserta2", "Sandi-Baru-Budi-2", at=datetime.now(UTC)).ok


def test_login_form_refusals_show_the_generic_message(fresh_app_db):
    at = app_as(None).run()
    submit_login(at, "peserta1", "salah")
    assert [e.value for e in at.error] == [GENERIC_FAILURE]
    assert at.text_input(key="login_password").value == ""  # cleared after every try
    assert at.text_input(key="login_username").value == "peserta1"  # kept for the next try

    submit_login(at, "x" * 1_000_000, "y" * 1_000_000)  # beyond max_chars, sent anyway
    assert not at.exception and [e.value for e in at.error] == [GENERIC_FAILURE]
    submit_login(at, "peserta1' --", PASSWORD)
    assert [e.value for e in at.error] == [GENERIC_FAILURE] and not sidebar_links(at)


def test_login_form_backoff_message_after_repeated_failures(fresh_app_db):
    at = app_as(None).run()
    for _ in range(FREE_FAILURES_ACCOUNT):
        submit_login(at, "peserta2", "salah")
    submit_login(at, "peserta2", PASSWORD)  # right, but too soon
    assert at.error[0].value.startswith("Terlalu banyak percobaan masuk yang gagal. Coba lagi")
    assert not sidebar_links(at)


def test_a_disabled_account_is_signed_out_at_once(fresh_app_db):
    from tests.accounts import database

    at = app_as("peserta1").run()
    assert sidebar_links(at)
    set_disabled(database(), user_id=user_id("peserta1"), disabled=True, actor_id=None)
    at.run()
    assert at.subheader[0].value == "Masuk" and not sidebar_links(at)
    submit_login(at, "peserta1", PASSWORD)
    assert [e.value for e in at.error] == [GENERIC_FAILURE]


def test_must_change_password_shows_nothing_else_until_changed(fresh_app_db):
    from tests.accounts import database

    temp = reset_password(database(), user_id=user_id("qa1"), actor_id=None)
    at = app_as(None, url_path="qa").run()  # typed the QA page's address, then signs in
    submit_login(at, "qa1", temp)
    assert at.title[0].value == "Ganti kata sandi"
    assert not sidebar_links(at) and not at.dataframe  # no page, no menu, no attempts
    at.run()  # any rerun: still only the form
    assert at.title[0].value == "Ganti kata sandi"

    at.text_input[0].input("Sandi-Baru-QA-1")
    at.text_input[1].input("Sandi-Lain-QA-1")
    at.button(key="FormSubmitter:must_change-Simpan kata sandi").click().run()
    assert [e.value for e in at.error] == ["Kedua kata sandi baru tidak sama."]
    at.text_input[0].input("Sandi-Baru-QA-1")
    at.text_input[1].input("Sandi-Baru-QA-1")
    at.button(key="FormSubmitter:must_change-Simpan kata sandi").click().run()
    assert at.title[0].value == "QA: percobaan peserta"  # the page asked for at the start
    assert "QA" in sidebar_links(at)
    assert login(database(), "qa1", "Sandi-Baru-QA-1", client="t", at=datetime.now(UTC)).ok


def test_markup_in_a_name_shows_as_text(fresh_app_db):
    from tests.accounts import database

    name = "<script>alert(1)</script> <img src=x onerror=alert(1)> **tebal** [x](http://x)"
    create_account(database(), username="aneh", display_name=name, roles=["trainee"],
                   password=SECRET)  # fmt: skip
    at = app_as("aneh").run()
    assert name in [t.value for t in at.sidebar.text]  # st.text: never Markdown or HTML
    assert not at.html or all("<script>" not in h.value for h in at.html)


def test_first_start_asks_for_the_first_admin(tmp_path, monkeypatch):
    monkeypatch.setenv("CSO_DATABASE_URL", f"sqlite:///{tmp_path / 'kosong.db'}")
    at = app_as(None).run()
    assert at.subheader[0].value == "Buat admin pertama"
    assert "login_username" not in [t.key for t in at.text_input]
    at.text_input(key="fa_username").input("kepala")
    at.text_input(key="fa_name").input("Kepala Pelatihan")
    at.text_input(key="fa_password").input(SECRET)
    at.text_input(key="fa_password2").input(SECRET + "x")
    at.button(key="FormSubmitter:first_admin-Buat admin").click().run()
    assert [e.value for e in at.error] == ["Kedua kata sandi tidak sama."]
    at.text_input(key="fa_password2").input(SECRET)
    at.button(key="FormSubmitter:first_admin-Buat admin").click().run()
    assert not at.exception and at.title[0].value == "Basis Pengetahuan SOP"
    assert "Pengguna" in sidebar_links(at)

    fresh = app_as(None).run()  # a second visitor: the login form, no second first admin
    assert fresh.subheader[0].value == "Masuk"


def test_no_demo_notice_outside_demo_mode(fresh_app_db, monkeypatch):
    monkeypatch.delenv("CSO_DEMO", raising=False)
    at = app_as(None).run()
    assert not at.warning and not at.dataframe
    monkeypatch.setenv("CSO_DEMO", "1")
    at = app_as(None).run()
    assert at.warning[0].value.startswith("**Mode demo.**")
    accounts = at.dataframe[0].value
    assert list(accounts["Nama pengguna"]) == [
        "peserta1", "peserta2", "trainer1", "qa1", "qa2", "admin1"]
    assert set(accounts["Kata sandi"]) == {PASSWORD}


SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "rahasia-cookie",
        "client_id": "cso-trainer",
        "client_secret": "rahasia",
        "server_metadata_url": "https://sso.example.co.id/.well-known/openid-configuration",
    }
}


def test_sso_button_only_when_configured(fresh_app_db):
    plain = app_as(None).run()
    assert "sso_default" not in [b.key for b in plain.button]
    at = app_as(None)
    at.secrets = SSO_SECRETS
    at.run()
    assert at.button(key="sso_default").label == "Masuk dengan SSO"


def test_sso_identity_signs_in_as_the_mapped_account_or_is_refused(fresh_app_db):
    from tests.accounts import database

    set_email(database(), user_id=user_id("trainer1"), email="rina@pln.co.id", actor_id=None)
    at = app_as(None)
    at.secrets = SSO_SECRETS
    at.user = {"is_logged_in": True, "email": "Rina@pln.co.id", "email_verified": True}
    at.run()
    assert not at.exception and "Skenario" in sidebar_links(at)
    assert "Rina Wulandari (demo)" in [t.value for t in at.sidebar.text]
    assert not at.sidebar.get("popover")  # no password to change for an SSO identity
    at.button(key="logout").click().run()  # also ends the SSO session (st.logout)
    assert at.user == {"is_logged_in": False} and not sidebar_links(at)
    assert at.subheader[0].value == "Masuk"

    stranger = app_as(None)
    stranger.secrets = SSO_SECRETS
    stranger.user = {"is_logged_in": True, "email": "orang@luar.com"}
    stranger.run()
    assert not sidebar_links(stranger)
    assert "belum terdaftar" in stranger.error[0].value
    assert stranger.button(key="sso_logout").label == "Keluar dari SSO"

    ignored = app_as(None)  # without [auth] in the secrets, st.user is never trusted
    ignored.user = {"is_logged_in": True, "email": "rina@pln.co.id"}
    ignored.run()
    assert not sidebar_links(ignored)
