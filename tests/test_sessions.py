"""Staying signed in: sign-ins in the database (store.sessions) with an injected clock, the cookie
routes (web/routes.py) through Starlette's test client, and the app (AppTest) given cookies as
a browser would send them. Store and route tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text

from store.auth import change_password, create_account, reset_password, set_email
from store.sessions import (
    DISABLED,
    EXPIRED,
    HANDOFF_SECONDS,
    IDLE,
    OK,
    REVOKED,
    UNKNOWN,
    active_sessions,
    check_session,
    check_token,
    deliver,
    renew_handoff,
    revoke_session,
    revoke_token,
    revoke_user_sessions,
    sso_key,
    start_session,
)
from store.users import set_disabled, set_roles
from tests.accounts import PASSWORD, app_as, database, signed_in, user_id

T0 = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)  # 15:00 WIB
HOUR = timedelta(hours=1)
SECRET = "Sandi-Aminah-123"


@pytest.fixture
def siti(db):
    return create_account(db, username="siti", display_name="Siti Aminah", roles=["trainee"],
                          password=SECRET)  # fmt: skip


def login(db, user, *, now=T0, via="sandi"):
    """A sign-in as the browser ends up with it: (sign-in id, cookie token)."""
    record, code = start_session(db, user_id=user.id, via=via, client="10.0.0.7",
                                 user_agent="Mozilla/5.0 Chromium", now=now)  # fmt: skip
    delivered = deliver(db, code=code, now=now)
    assert delivered is not None
    return record.id, delivered[1]


# ---------------------------------------------------------------- lifetimes, with a clock
def test_a_sign_in_holds_who_when_from_where_and_until_when(db, siti):
    record, code = start_session(db, user_id=siti.id, client="10.0.0.7",
                                 user_agent="Mozilla/5.0 Chromium", now=T0)  # fmt: skip
    assert (record.user_id, record.client, record.user_agent) == (siti.id, "10.0.0.7",
                                                                  "Mozilla/5.0 Chromium")
    assert record.created_at == record.last_seen_at == T0
    assert record.expires_at == T0 + timedelta(days=7) and not record.delivered
    session, token = deliver(db, code=code, now=T0)
    assert session.delivered and token != code
    check = check_token(db, token, now=T0 + HOUR)
    assert check.reason == OK and check.user.username == "siti"
    assert check_session(db, record.id, now=T0 + HOUR).ok  # the tab that logged in, by id


def test_idle_for_longer_than_8_hours_ends_the_sign_in(db, siti):
    _, token = login(db, siti)
    assert check_token(db, token, now=T0 + 8 * HOUR).ok  # just within, and used now
    assert check_token(db, token, now=T0 + 16 * HOUR).ok  # 8 hours after that use
    late = check_token(db, token, now=T0 + 24 * HOUR + timedelta(seconds=1))
    assert late.reason == IDLE and late.user is None
    assert "tidak ada aktivitas" in late.message


def test_use_keeps_it_alive_but_never_past_7_days(db, siti):
    _, token = login(db, siti)
    for k in range(1, 84):  # every 2 hours, up to 2 hours before the end
        assert check_token(db, token, now=T0 + k * 2 * HOUR).ok, k
    gone = check_token(db, token, now=T0 + timedelta(days=7))
    assert gone.reason == EXPIRED and "batas waktu" in gone.message


def test_last_seen_is_written_at_most_once_a_minute(db, siti):
    sid, token = login(db, siti)
    check_token(db, token, now=T0 + timedelta(seconds=30))
    assert check_session(db, sid, now=T0 + timedelta(seconds=31)).session.last_seen_at == T0
    check_token(db, token, now=T0 + timedelta(seconds=90))
    seen = check_session(db, sid, now=T0 + timedelta(seconds=91)).session.last_seen_at
    assert seen == T0 + timedelta(seconds=90)


def test_both_lifetimes_are_configurable(db, siti, monkeypatch):
    monkeypatch.setenv("CSO_SESSION_IDLE_HOURS", "0.5")
    monkeypatch.setenv("CSO_SESSION_ABSOLUTE_DAYS", "1")
    _, token = login(db, siti)
    assert check_token(db, token, now=T0 + timedelta(minutes=29)).ok
    assert check_token(db, token, now=T0 + timedelta(minutes=60)).reason == IDLE
    _, token = login(db, siti, now=T0 + HOUR)
    for minutes in range(20, 24 * 60, 20):
        check = check_token(db, token, now=T0 + HOUR + timedelta(minutes=minutes))
        assert check.ok, minutes
    assert check_token(db, token, now=T0 + 25 * HOUR).reason == EXPIRED
    # passed in directly, as the tests of other lifetimes do
    _, token = login(db, siti)
    assert check_token(db, token, now=T0 + 3 * HOUR, idle=2 * HOUR).reason == IDLE


# ---------------------------------------------------------------- revoked at once
def test_logout_revokes_one_sign_in_and_logout_everywhere_all(db, siti):
    one, token1 = login(db, siti)
    two, token2 = login(db, siti)
    three, token3 = login(db, siti)
    assert len(active_sessions(db, user_id=siti.id, now=T0)) == 3
    assert revoke_session(db, session_id=one, now=T0)
    assert check_token(db, token1, now=T0).reason == REVOKED
    assert check_token(db, token2, now=T0).ok
    assert revoke_token(db, token2, now=T0)
    assert check_session(db, two, now=T0).reason == REVOKED
    assert revoke_user_sessions(db, user_id=siti.id, now=T0) == 1  # the third, still active
    assert check_token(db, token3, now=T0).reason == REVOKED
    assert active_sessions(db, user_id=siti.id, now=T0) == []
    assert "keluar" in check_session(db, three, now=T0).message


def test_disabling_a_role_change_and_a_password_reset_revoke_every_sign_in(db, siti):
    _, token = login(db, siti, now=datetime.now(UTC))
    set_roles(db, user_id=siti.id, roles=["trainee"], actor_id=None)  # no change: nothing ends
    assert check_token(db, token).ok
    set_roles(db, user_id=siti.id, roles=["trainee", "qa"], actor_id=None)
    assert check_token(db, token).reason == REVOKED

    _, token = login(db, siti, now=datetime.now(UTC))
    set_disabled(db, user_id=siti.id, disabled=True, actor_id=None)
    assert check_token(db, token).reason == REVOKED
    set_disabled(db, user_id=siti.id, disabled=False, actor_id=None)
    assert check_token(db, token).reason == REVOKED  # enabling again does not bring it back

    _, token = login(db, siti, now=datetime.now(UTC))
    reset_password(db, user_id=siti.id, actor_id=None)
    assert check_token(db, token).reason == REVOKED


def test_changing_ones_own_password_keeps_this_sign_in_and_ends_the_others(db, siti):
    here, token_here = login(db, siti, now=datetime.now(UTC))
    _, token_there = login(db, siti, now=datetime.now(UTC))
    change_password(db, user_id=siti.id, new_password="Sandi-Baru-456", current_password=SECRET,
                    keep_session=here)  # fmt: skip
    assert check_token(db, token_here).ok
    assert check_token(db, token_there).reason == REVOKED


def test_a_disabled_account_is_refused_even_with_an_active_sign_in(db, siti):
    from sqlalchemy import update

    from store.models import User

    _, token = login(db, siti, now=datetime.now(UTC))
    with db.transaction() as s:  # disabled behind the store's back: still refused
        s.execute(update(User).where(User.id == siti.id).values(disabled=True))
    assert check_token(db, token).reason == DISABLED


# ---------------------------------------------------------------- tokens that are not ours
def test_tampered_unknown_and_garbage_tokens_are_refused_without_an_exception(db, siti):
    _, token = login(db, siti)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    cases = [flipped, token.upper(), token + "x", "x" * 43, "", None, 42, "a" * 100_000,
             "<script>alert(1)</script>", "' OR 1=1 --", "\x00" * 40, "é" * 43, token[:20]]
    for value in cases:
        check = check_token(db, value, now=T0)
        assert check.reason == UNKNOWN and check.user is None and check.message is None
    assert check_session(db, 999_999, now=T0).reason == UNKNOWN
    assert check_session(db, "1; DROP TABLE users", now=T0).reason == UNKNOWN  # type: ignore


def test_a_hand_over_code_works_once_in_time_for_an_active_sign_in(db, siti):
    record, code = start_session(db, user_id=siti.id, now=T0)
    assert deliver(db, code=code, now=T0) is not None
    assert deliver(db, code=code, now=T0) is None  # spent
    record, code = start_session(db, user_id=siti.id, now=T0)
    assert deliver(db, code=code, now=T0 + timedelta(seconds=HANDOFF_SECONDS + 1)) is None
    assert deliver(db, code=code, now=T0) is None  # an expired code is spent too
    fresh = renew_handoff(db, session_id=record.id, now=T0 + HOUR)
    assert fresh and deliver(db, code=fresh, now=T0 + HOUR) is not None
    assert renew_handoff(db, session_id=record.id, now=T0 + HOUR) is None  # delivered already
    record, code = start_session(db, user_id=siti.id, now=T0)
    revoke_session(db, session_id=record.id, now=T0)
    assert deliver(db, code=code, now=T0) is None
    for junk in ("", None, "x", "a" * 5000, code + "=="):
        assert deliver(db, code=junk, now=T0) is None


def test_the_database_never_holds_a_token_or_code_in_clear(db, siti):
    record, code = start_session(db, user_id=siti.id, now=T0)
    found = []
    session, token = deliver(db, code=code, now=T0)
    _, code2 = start_session(db, user_id=siti.id, now=T0)  # an undelivered one too
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                blob = " ".join(str(v) for v in row)
                found += [table for secret in (token, code, code2) if secret in blob]
    assert found == []
    from core.security import token_digest
    from store.models import AuthSession

    with db.session() as s:
        assert s.scalar(select(AuthSession.token_hash).where(
            AuthSession.id == session.id)) == token_digest(token)  # fmt: skip


def test_an_sso_login_has_one_key_per_id_token():
    a = sso_key(email="Rina@pln.co.id", subject="abc", issued_at=1_700_000_000)
    assert a == sso_key(email="rina@pln.co.id ", subject="abc", issued_at=1_700_000_000)
    assert a != sso_key(email="rina@pln.co.id", subject="abc", issued_at=1_700_000_001)
    assert sso_key(email="rina@pln.co.id", subject="abc", issued_at=None) is None


# ---------------------------------------------------------------- the cookie routes
@pytest.fixture
def client(db, monkeypatch):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    import web.routes as routes

    monkeypatch.setattr(routes, "database", lambda: db)
    monkeypatch.delenv("CSO_COOKIE_SECURE", raising=False)
    with TestClient(Starlette(routes=routes.ROUTES), base_url="http://127.0.0.1:8501") as c:
        yield c


OWN = {"X-CSO-Trainer": "1", "Origin": "http://127.0.0.1:8501", "Sec-Fetch-Site": "same-origin"}


def test_the_route_turns_a_code_into_an_httponly_samesite_cookie_once(db, siti, client, caplog):
    caplog.set_level(logging.DEBUG)
    record, code = start_session(db, user_id=siti.id)
    response = client.post("/_cso/sesi", content=code, headers=OWN)
    assert response.status_code == 204 and response.content == b""
    header = response.headers["set-cookie"]
    assert header.startswith("cso_sesi=") and "HttpOnly" in header
    assert "SameSite=lax" in header and "Path=/" in header and "Secure" not in header
    max_age = int(header.split("Max-Age=")[1].split(";")[0])
    assert 7 * 24 * 3600 - 60 <= max_age <= 7 * 24 * 3600
    token = response.cookies["cso_sesi"]
    assert check_token(db, token).ok and check_token(db, token).session.id == record.id
    assert client.post("/_cso/sesi", content=code, headers=OWN).status_code == 410
    # the token is in no URL, body or log line
    assert token not in str(response.url) and token not in response.text
    assert all(token not in r.getMessage() and code not in r.getMessage()
               for r in caplog.records)


def test_the_route_refuses_requests_that_are_not_the_apps_own(db, siti, client):
    _, code = start_session(db, user_id=siti.id)
    foreign = [
        {},  # no header: a plain form post from another site
        {**OWN, "Origin": "https://jahat.example"},
        {**OWN, "Sec-Fetch-Site": "cross-site"},
        {"X-CSO-Trainer": "0"},
    ]
    for headers in foreign:
        response = client.post("/_cso/sesi", content=code, headers=headers)
        assert response.status_code == 403 and "set-cookie" not in response.headers
    assert client.get("/_cso/sesi").status_code == 405
    assert client.post("/_cso/sesi", content="x" * 5000, headers=OWN).status_code == 400
    assert client.post("/_cso/sesi", content=code, headers=OWN).status_code == 204  # still good


def test_over_https_the_cookie_is_secure(db, siti, monkeypatch):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    import web.routes as routes

    monkeypatch.setattr(routes, "database", lambda: db)
    monkeypatch.delenv("CSO_COOKIE_SECURE", raising=False)
    _, code = start_session(db, user_id=siti.id)
    with TestClient(Starlette(routes=routes.ROUTES), base_url="https://cso.pln.example") as c:
        headers = {**OWN, "Origin": "https://cso.pln.example"}
        response = c.post("/_cso/sesi", content=code, headers=headers)
    assert response.status_code == 204 and "Secure" in response.headers["set-cookie"]
    monkeypatch.setenv("CSO_COOKIE_SECURE", "1")  # e.g. TLS ends at a proxy on another host
    _, code = start_session(db, user_id=siti.id)
    with TestClient(Starlette(routes=routes.ROUTES), base_url="http://127.0.0.1:8501") as c:
        response = c.post("/_cso/sesi", content=code, headers=OWN)
    assert "Secure" in response.headers["set-cookie"]


def test_the_logout_route_deletes_the_cookie(db, siti, client):
    _, code = start_session(db, user_id=siti.id)
    client.post("/_cso/sesi", content=code, headers=OWN)
    assert "cso_sesi" in client.cookies
    response = client.post("/_cso/keluar", headers=OWN)
    assert response.status_code == 204
    assert 'cso_sesi=""' in response.headers["set-cookie"] or "Max-Age=0" in \
        response.headers["set-cookie"]
    assert "cso_sesi" not in client.cookies
    assert client.post("/_cso/keluar").status_code == 403


# ---------------------------------------------------------------- the app, given cookies
@pytest.fixture
def browser_cookies(monkeypatch):
    """The cookies the browser's websocket sends (AppTest has none of its own)."""
    import views.auth

    jar: dict[str, str] = {}
    monkeypatch.setattr(views.auth, "_cookie", jar.get)
    return jar


def sidebar_links(at) -> list[str]:
    return [link.label for link in at.sidebar.get("page_link")]


def on_login_page(at) -> bool:
    return not at.exception and at.subheader and at.subheader[0].value == "Masuk" \
        and not sidebar_links(at)


def test_a_new_tab_with_the_cookie_is_signed_in_on_the_page_asked_for(fresh_app_db,
                                                                      browser_cookies):
    _, _, token = signed_in("qa1")
    browser_cookies["cso_sesi"] = token
    at = app_as(None, url_path="qa").run()
    assert not at.exception and at.title[0].value == "QA: percobaan peserta"
    assert "Agus Setiawan (demo)" in [t.value for t in at.sidebar.text]


@pytest.mark.parametrize("spoil", ["tampered", "unknown", "revoked", "expired", "garbage"])
def test_a_bad_cookie_shows_the_login_page_never_a_traceback(fresh_app_db, browser_cookies,
                                                             spoil):
    from sqlalchemy import update

    from store.models import AuthSession

    _, session_id, token = signed_in("peserta1")
    if spoil == "tampered":
        token = token[:10] + ("x" if token[10] != "x" else "y") + token[11:]
    elif spoil == "unknown":
        _, _, other = signed_in("peserta2")
        revoke_token(database(), other)
        token = "Zz" + token[2:]
    elif spoil == "revoked":
        revoke_session(database(), session_id=session_id)
    elif spoil == "expired":
        with database().transaction() as s:
            s.execute(update(AuthSession).where(AuthSession.id == session_id).values(
                last_seen_at=datetime.now(UTC) - timedelta(hours=9)))  # fmt: skip
    else:
        token = "<img src=x onerror=alert(1)>\x00" + "é" * 500
    browser_cookies["cso_sesi"] = token
    at = app_as(None, url_path="latihan").run()
    assert on_login_page(at), [e.value for e in at.exception]
    notes = [i.value for i in at.info]
    if spoil == "revoked":
        assert any("sudah diakhiri" in n for n in notes)
    elif spoil == "expired":
        assert any("tidak ada aktivitas" in n for n in notes)
    else:
        assert notes == []
    # the login page asks the browser to delete the bad cookie (the app's own route)
    assert any("/_cso/keluar" in h.value for h in at.html)


def test_logout_in_one_tab_signs_the_other_out_at_its_next_action(fresh_app_db,
                                                                  browser_cookies):
    _, _, token = signed_in("peserta1")
    browser_cookies["cso_sesi"] = token
    one = app_as(None).run()
    two = app_as(None, url_path="progres").run()
    assert sidebar_links(one) and sidebar_links(two)
    one.button(key="logout").click().run()
    assert on_login_page(one)
    assert not one.info  # signed out on purpose: no "session ended" message here
    two.run()  # the other tab's next action
    assert on_login_page(two)
    assert any("sudah diakhiri" in i.value for i in two.info)


def test_keluar_dari_semua_perangkat_ends_every_sign_in_of_the_account(fresh_app_db,
                                                                      browser_cookies):
    _, _, token = signed_in("peserta2")
    elsewhere = app_as("peserta2").run()  # another browser, signed in on its own
    browser_cookies["cso_sesi"] = token
    here = app_as(None).run()
    assert "saat ini 2 sesi aktif" in here.button(key="logout_all").help
    here.button(key="logout_all").click().run()
    assert on_login_page(here)
    elsewhere.run()
    assert on_login_page(elsewhere)
    assert active_sessions(database(), user_id=user_id("peserta2")) == []


def test_a_role_change_by_the_admin_signs_the_user_out_at_once(fresh_app_db):
    at = app_as("trainer1").run()
    assert "Skenario" in sidebar_links(at)
    set_roles(database(), user_id=user_id("trainer1"), roles=["trainer", "qa"],
              actor_id=user_id("admin1"))  # fmt: skip
    at.run()
    assert on_login_page(at)


def test_the_login_hands_the_browser_a_code_never_the_token(fresh_app_db, browser_cookies):
    from tests.test_auth import submit_login

    at = app_as(None, url_path="qa").run()
    submit_login(at, "qa1", PASSWORD)
    assert at.title[0].value == "QA: percobaan peserta"
    scripts = [h.value for h in at.html if "/_cso/sesi" in h.value]
    assert len(scripts) == 1
    from store.models import AuthSession

    with database().session() as s:
        row = s.scalars(select(AuthSession).order_by(AuthSession.id.desc())).first()
    assert row.token_hash is None and row.handoff_hash is not None  # no token exists yet
    assert row.client and row.via == "sandi"


def test_a_remembered_address_must_be_a_page_of_the_app():
    from views.auth import parse_next

    pages = ["sop", "latihan", "qa"]
    assert parse_next("/qa?attempt=12", pages) == ("qa", {"attempt": "12"})
    assert parse_next("%2Fqa%3Fattempt%3D12", pages) == ("qa", {"attempt": "12"})
    assert parse_next("/latihan", pages) == ("latihan", {})
    for bad in ("https://jahat.example/qa", "//jahat.example/qa", "/admin", "", None,
                "/qa?" + "x" * 700):
        assert parse_next(bad, pages) is None


SSO = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback",
                "cookie_secret": "rahasia-cookie", "client_id": "cso-trainer",
                "client_secret": "rahasia",
                "server_metadata_url": "https://sso.example.co.id/.well-known/openid-configuration"}}


def test_an_old_sso_cookie_cannot_start_a_sign_in_after_the_last_one_ended(fresh_app_db):
    now = datetime.now(UTC).timestamp()
    set_email(database(), user_id=user_id("trainer1"), email="rina@pln.co.id", actor_id=None)
    identity = {"is_logged_in": True, "email": "rina@pln.co.id", "email_verified": True,
                "sub": "rina-1", "iat": int(now) - 30}
    first = app_as(None)
    first.secrets, first.user = SSO, dict(identity)
    first.run()
    assert "Skenario" in sidebar_links(first)
    second = app_as(None)  # another tab of the same browser, before the cookie arrived
    second.secrets, second.user = SSO, dict(identity)
    second.run()
    assert "Skenario" in sidebar_links(second)
    assert len(active_sessions(database(), user_id=user_id("trainer1"))) == 1
    revoke_user_sessions(database(), user_id=user_id("trainer1"))  # e.g. logout everywhere
    stale = app_as(None)
    stale.secrets, stale.user = SSO, dict(identity)
    stale.run()
    assert not sidebar_links(stale)
    assert "sudah diakhiri" in stale.error[0].value
    old = app_as(None)  # an SSO login from an hour ago that never had a sign-in here
    old.secrets = SSO
    old.user = {**identity, "iat": int(now) - 3600}
    old.run()
    assert not sidebar_links(old) and "Masuk lagi dengan SSO" in old.error[0].value
    fresh = app_as(None)  # a new SSO login: a new sign-in
    fresh.secrets, fresh.user = SSO, {**identity, "iat": int(now)}
    fresh.run()
    assert "Skenario" in sidebar_links(fresh)


def test_after_single_sign_on_the_address_asked_for_opens(fresh_app_db, browser_cookies):
    now = int(datetime.now(UTC).timestamp())
    set_email(database(), user_id=user_id("qa1"), email="agus@pln.co.id", actor_id=None)
    browser_cookies["cso_lanjut"] = "%2Fqa%3Fattempt%3D7"  # what the login page remembered
    at = app_as(None)  # the provider sends the browser back to "/"
    at.secrets = SSO
    at.user = {"is_logged_in": True, "email": "agus@pln.co.id", "email_verified": True,
               "sub": "agus-1", "iat": now}
    at.run()
    assert not at.exception
    assert at.title[0].value == "QA: percobaan peserta"
    assert at.query_params["attempt"] == "7"
    trainee = app_as(None)  # the same address for a trainee: the refusal, as ever
    set_email(database(), user_id=user_id("peserta1"), email="dewi@pln.co.id", actor_id=None)
    trainee.secrets = SSO
    trainee.user = {"is_logged_in": True, "email": "dewi@pln.co.id", "sub": "dewi-1",
                    "iat": now}
    trainee.run()
    assert "Anda tidak memiliki akses ke halaman ini." in [e.value for e in trainee.error]
