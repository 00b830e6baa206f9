"""Issue 11, items 3, 5 and 6: the login backoff behind a proxy (IPv4 and dual-stack
listeners, trusted proxies, a classroom behind one NAT), text typed by users shown as text
(no links, icons or emphasis; no control characters in names), and passwords (common and
trivial ones refused, the current-password check of "Ganti kata sandi" under the backoff).

Store tests run on SQLite and, with CSO_TEST_POSTGRES_URL, on PostgreSQL (`db` fixture); page
tests run app.py in AppTest; the listener test runs `streamlit run serve.py` in Chromium.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.security import (
    FREE_FAILURES_ACCOUNT,
    FREE_FAILURES_CLIENT,
    GENERIC_FAILURE,
    client_address,
    client_key,
    common_passwords,
    hash_password,
    normalise_ip,
    password_problem,
)
from store import StoreError, get_user_by_username, list_users, set_password_hash
from store.auth import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    authenticate,
    change_password,
    create_account,
    ensure_demo_accounts,
    set_email,
)
from tests.accounts import PASSWORD, app_as
from views.literal import plain

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
SECRET = "Rahasia!Kuat-2025"
ROOT = Path(__file__).resolve().parent.parent
DUAL_STACK_LOOPBACK = "::ffff:127.0.0.1"  # the peer a dual-stack listener reports for 127.0.0.1


def login(db, username, password, *, client, at=T0):
    return authenticate(db, username=username, password=password, client=client, now=at)


# ---------------------------------------------------------------- item 3: who the client is
@pytest.mark.parametrize("peer", [None, "127.0.0.1", DUAL_STACK_LOOPBACK, "::1"])
def test_a_local_proxys_forwarded_for_is_read_on_both_listeners(peer):
    """Streamlit reports None for 127.0.0.1 and ::1, but "::ffff:127.0.0.1" as it is when it
    listens dual-stack (its default): that is the same local proxy."""
    forwarded = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}
    assert client_key(peer, forwarded, "s1") == "ip:198.51.100.7"
    assert client_key(peer, {"X-Real-IP": "198.51.100.8"}, "s1") == "ip:198.51.100.8"
    assert client_key(peer, {}, "s1") == "sesi:s1"  # a browser on this host itself


def test_ipv4_mapped_addresses_are_their_ipv4_address():
    assert normalise_ip("::ffff:203.0.113.9") == "203.0.113.9"
    assert normalise_ip(" ::FFFF:127.0.0.1 ") == "127.0.0.1"
    assert normalise_ip("[2001:db8::1]:443") == "2001:db8::1"
    assert normalise_ip("203.0.113.9:443") == "203.0.113.9"
    assert normalise_ip("nonsense") is None and normalise_ip(None) is None
    assert client_key("::ffff:203.0.113.9", {}, "s") == client_key("203.0.113.9", {}, "s")


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(monkeypatch):
    spoofed = {"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.8"}
    # a remote browser says it is someone else: ignored, it stays itself
    assert client_key("203.0.113.9", spoofed, "s") == "ip:203.0.113.9"
    assert client_key("::ffff:203.0.113.9", spoofed, "s") == "ip:203.0.113.9"

    # nginx on another host (10.0.0.5), set in CSO_TRUSTED_PROXIES
    monkeypatch.setenv("CSO_TRUSTED_PROXIES", "10.0.0.0/24, ::1")
    chain = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.0.0.9"}  # client, then our proxies
    assert client_key("::ffff:10.0.0.5", chain, "s") == "ip:198.51.100.7"
    assert client_key("10.0.0.5", chain, "s") == "ip:198.51.100.7"
    assert client_key("10.0.1.5", chain, "s") == "ip:10.0.1.5"  # not one of ours
    assert client_key(None, chain, "s") == "sesi:s"  # loopback is no longer a trusted proxy
    assert client_key("10.0.0.5", {"X-Forwarded-For": "bukan-alamat"}, "s") == "ip:10.0.0.5"

    monkeypatch.setenv("CSO_TRUSTED_PROXIES", "none")
    assert client_key(DUAL_STACK_LOOPBACK, spoofed, "s") == "sesi:s"
    monkeypatch.delenv("CSO_TRUSTED_PROXIES")
    assert client_address(DUAL_STACK_LOOPBACK, spoofed) == "198.51.100.7"


def test_x_forwarded_proto_is_believed_from_the_dual_stack_local_proxy(monkeypatch):
    from starlette.requests import Request

    from web.routes import is_https

    monkeypatch.delenv("CSO_COOKIE_SECURE", raising=False)

    def request(peer: str) -> Request:
        return Request({"type": "http", "scheme": "http", "path": "/", "query_string": b"",
                        "headers": [(b"x-forwarded-proto", b"https")],
                        "client": (peer, 50000), "server": ("127.0.0.1", 8501)})  # fmt: skip

    assert is_https(request("127.0.0.1")) and is_https(request(DUAL_STACK_LOOPBACK))
    assert not is_https(request("203.0.113.9")) and not is_https(request("::ffff:203.0.113.9"))


def test_failures_of_one_client_behind_the_proxy_do_not_delay_another(db):
    """The probe: 14 failures from one browser made another browser's right login wait 9 s,
    both behind nginx on the same host and Streamlit listening dual-stack."""
    create_account(db, username="siti", display_name="Siti", roles=["trainee"], password=SECRET)
    one = client_key(DUAL_STACK_LOOPBACK, {"X-Forwarded-For": "198.51.100.1"}, "tab-1")
    other = client_key(DUAL_STACK_LOOPBACK, {"X-Forwarded-For": "198.51.100.2"}, "tab-2")
    assert one != other
    for i in range(14):
        assert login(db, f"tebak{i}", "salah", client=one).message == GENERIC_FAILURE
    signed = login(db, "siti", SECRET, client=other, at=T0 + timedelta(milliseconds=200))
    assert signed.ok and signed.wait_seconds == 0


def test_a_classroom_behind_one_nat_is_not_locked_out(db):
    """16 typos by 16 different trainees from one address locked peserta1 out for 27 s."""
    nat = client_key("203.0.113.50", {}, "x")
    for i in range(16):
        create_account(db, username=f"kelas{i}", display_name=f"Peserta {i}",
                       roles=["trainee"], password=SECRET)  # fmt: skip
    create_account(db, username="peserta1", display_name="Dewi", roles=["trainee"],
                   password=SECRET)  # fmt: skip
    for i in range(16):
        assert login(db, f"kelas{i}", "salah-ketik", client=nat).message == GENERIC_FAILURE
    assert login(db, "peserta1", SECRET, client=nat, at=T0 + timedelta(seconds=1)).ok
    # the per-client bound is far above a classroom's typos, and one source trying many
    # accounts is still slowed down once it passes it
    assert FREE_FAILURES_CLIENT >= 50
    # the account stays the main guard, whoever types
    for _ in range(FREE_FAILURES_ACCOUNT):
        login(db, "peserta1", "salah", client=nat, at=T0 + timedelta(seconds=2))
    assert login(db, "peserta1", SECRET, client="lain", at=T0 + timedelta(seconds=2)).wait_seconds


# ---------------------------------------------------------------- item 3: the real listeners
@pytest.mark.browser
@pytest.mark.parametrize("listen", ["127.0.0.1", "::"])
def test_the_forwarded_address_is_the_client_on_both_listeners(listen, tmp_path, browser):
    """`streamlit run serve.py` on an IPv4 listener and on a dual-stack one ("::", where a
    browser on 127.0.0.1 arrives as ::ffff:127.0.0.1), reached as through the local proxy (the
    browser sends X-Forwarded-For): a sign-in is recorded with the forwarded address, and a
    failed login counts against that address, not against every browser behind the proxy."""
    from sqlalchemy import select

    from core.security import failure_key
    from store.db import Database
    from store.models import AuthSession, LoginFailure
    from tests.e2e import sign_in, streamlit_server, wait_idle

    # the session's browser (one Playwright per process), against a server of this test's own
    with streamlit_server(tmp_path, address=listen) as url:
        ctx = browser.new_context(extra_http_headers={"X-Forwarded-For": "198.51.100.7"})
        page = ctx.new_page()
        page.goto(url)
        wait_idle(page)
        sign_in(page, "peserta2", "salah")
        page.get_by_text(GENERIC_FAILURE).wait_for()
        sign_in(page, "peserta1", PASSWORD)
        page.get_by_role("heading", name="Basis Pengetahuan SOP").wait_for()
        ctx.close()
    db = Database(f"sqlite:///{tmp_path / 'cso_trainer.db'}")
    try:
        with db.session() as s:
            clients = list(s.scalars(select(AuthSession.client)))
            keys = set(s.scalars(select(LoginFailure.key_hash)))
    finally:
        db.dispose()
    assert clients == ["198.51.100.7"]
    assert failure_key("klien", "ip:198.51.100.7") in keys


# ---------------------------------------------------------------- item 5: text stays text
HOSTILE = ("Agus :material/home: :smile: https://evil.example/x www.evil.example a@b.co "
           "**tebal** [tautan](http://y) :red[merah] <b>b</b>")


def rendered(markdown: str) -> str:
    """What a Markdown source reads as once its escapes are taken away."""
    return re.sub(r"\\(.)", r"\1", markdown)


def no_markup(markdown: str) -> bool:
    text = rendered(markdown)
    return not any(p in text for p in ("://", ":material/", ":smile:", "www.evil", "@b.co",
                                        ":red[")) and "**" not in markdown.replace("\\*", "")


def test_plain_leaves_no_link_icon_or_emphasis():
    out = plain(HOSTILE)
    assert no_markup(out)
    # and it reads the same: only invisible zero-width spaces were added
    assert rendered(out).replace("\u200b", "") == HOSTILE
    assert rendered(plain("tersimpan 16:23 WIB · Kata sandi lama: salah")) == (
        "tersimpan 16:23 WIB · Kata sandi lama: salah")  # fmt: skip


def test_sop_text_helper_leaves_no_link_or_icon():
    from views.sop_page import md

    out = md("Buka www.pln.co.id atau https://evil.example :material/home: a@b.co")
    assert "`www.pln.co.id`" in out  # web addresses as code spans, as before
    assert not any(p in rendered(out) for p in ("https://", ":material/", "@b.co"))


def test_a_reviewers_display_name_in_a_warning_is_text(fresh_app_db):
    """A QA display name with a URL, a shortcode and emphasis, shown in the "Penilaian QA"
    warning of the attempt, is neither a link nor an icon nor bold."""
    from services.demo import seed_demo_attempts
    from store import create_user
    from store.dashboard import list_qa_attempts
    from store.reviews import override_criterion, review
    from tests.accounts import database, user_id
    from tests.qa_data import END, content

    db = database()
    seed_demo_attempts(db, 3, trainees=1, weeks=1, end=END, extra_trainee_ids=[user_id("peserta1")])
    qa = create_user(db, username="qa.aneh", display_name=HOSTILE, roles=["qa"])
    attempt = list_qa_attempts(db, requester=qa.requester, limit=1)[0]
    crit = review(db, requester=qa.requester, attempt_id=attempt.attempt_id,
                  library=content().library).criteria[0]  # fmt: skip
    override_criterion(db, requester=qa.requester, attempt_id=attempt.attempt_id,
                       criterion_id=crit.id, ok=not crit.ok, comment="cek https://x.id",
                       library=content().library)  # fmt: skip

    at = app_as("qa1", url_path="qa").run()
    at.selectbox(key="qa-attempt").set_value(attempt.attempt_id).run()
    assert not at.exception
    shown = [w.value for w in at.warning if "Penilaian QA" in w.value]
    assert shown and all(no_markup(w.split("oleh", 1)[1]) for w in shown)
    assert "Komentar: cek https://x.id" in [t.value for t in at.text]  # st.text: as typed


CONTROL = ["Budi\x1b[31mMerah", "Budi\nSantoso", "Budi\u202eosotnaS", "Budi\u2028X",
           "Budi\u200bX", "Budi\x07", "Budi\tSantoso", "Budi\x9bX", "Budi\u2066X\u2069"]


@pytest.mark.parametrize("name", CONTROL)
def test_control_characters_in_a_display_name_are_refused(db, name):
    with pytest.raises(StoreError) as err:
        create_account(db, username="budi", display_name=name, roles=["trainee"],
                       password=SECRET)  # fmt: skip
    assert err.value.field == "display_name"
    assert "karakter kontrol" in err.value.message and "U+" in err.value.message
    assert not list_users(db)


def test_ordinary_names_are_kept(db):
    for i, name in enumerate(["Siti Nurhaliza", "Ni Luh Putu Ayu", "D'Artagnan-Ökçe",
                              "محمد", "Keluarga 👨‍👩‍👧"]):  # fmt: skip
        create_account(db, username=f"u{i}", display_name=name, roles=["trainee"],
                       password=SECRET)  # fmt: skip
    assert len(list_users(db)) == 5


def test_control_characters_in_an_sso_email_are_refused(db):
    user = create_account(db, username="siti", display_name="Siti", roles=["trainee"],
                          password=SECRET)  # fmt: skip
    with pytest.raises(StoreError) as err:
        set_email(db, user_id=user.id, email="siti\x1b[2J@pln.co.id", actor_id=None)
    assert err.value.field == "email"


def cli(url, *args, stdin=""):
    env = {**os.environ, "CSO_DATABASE_URL": url}
    env.pop("CSO_DEMO", None)
    return subprocess.run([str(Path(sys.executable).parent / "cso-trainer"), *args],
                          input=stdin, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)  # fmt: skip


def test_the_command_line_refuses_control_characters_and_lists_names_escaped(tmp_path):
    from sqlalchemy import update

    from store.db import Database
    from store.models import User

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = cli(url, "users", "add", "budi", "--role", "trainee", "--name",
              "Budi\x1b[2J\x1b[31m", stdin=SECRET + "\n")  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("add: display_name: ")
    assert "karakter kontrol" in bad.stderr and "\x1b" not in bad.stderr

    assert cli(url, "users", "add", "budi", "--role", "trainee", "--name", "Budi",
               stdin=SECRET + "\n").returncode == 0  # fmt: skip
    db = Database(url)
    try:  # a name stored before the rule (written directly)
        with db.transaction() as s:
            s.execute(update(User).values(display_name="Budi\x1b[2J\u202eX\nY"))
    finally:
        db.dispose()
    listed = cli(url, "users", "list")
    assert listed.returncode == 0
    assert "\x1b" not in listed.stdout and "\u202e" not in listed.stdout
    assert "Budi\\u001b[2J\\u202eX\\u000aY" in listed.stdout
    assert listed.stdout.count("\n") == 1


# ---------------------------------------------------------------- item 6: passwords
@pytest.mark.parametrize("password", [
    "aaaaaaaa", "12345678", "password", "Password1", "P@ssw0rd", "qwertyuiop", "87654321",
    "abcdefgh", "abababab", "abcdabcd", "sunshine2024!", "iloveyou", "bismillah",
    "indonesia123", "demo1234", "11112222",
])  # fmt: skip
def test_common_and_trivial_passwords_are_refused(password):
    problem = password_problem(password)
    assert problem and problem.startswith("Kata sandi")
    assert "mudah ditebak" in problem


def test_a_password_holding_the_username_is_refused(db):
    assert password_problem("Siti-2025-Kuat", username="siti") == (
        "Kata sandi tidak boleh memuat nama pengguna.")  # fmt: skip
    with pytest.raises(StoreError) as err:
        create_account(db, username="budi.s", display_name="Budi", roles=["trainee"],
                       password="Rahasia-budi.s-99")  # fmt: skip
    assert err.value.field == "password"


@pytest.mark.parametrize("password", ["password", "12345678", "aaaaaaaa"])
def test_the_store_refuses_them_for_new_accounts_and_changes(db, password):
    with pytest.raises(StoreError) as err:
        create_account(db, username="budi", display_name="Budi", roles=["trainee"],
                       password=password)  # fmt: skip
    assert err.value.field == "password" and not list_users(db)
    siti = create_account(db, username="siti", display_name="Siti", roles=["trainee"],
                          password=SECRET)  # fmt: skip
    with pytest.raises(StoreError) as err:
        change_password(db, user_id=siti.id, new_password=password, current_password=SECRET)
    assert err.value.field == "password"


def test_good_passwords_and_every_fixture_password_pass():
    assert len(common_passwords()) > 10_000
    for password in [SECRET, DEMO_PASSWORD, "Kucing-Hitam-7", "Baru-Sekali-99",
                     "Sandi-Kantor-Kuat-1", "Sandi-Aminah-123", "73829164", "Sementara-123",
                     "korek api di meja dapur"]:  # fmt: skip
        assert password_problem(password) is None, password
    for username, _, _ in DEMO_ACCOUNTS:
        assert password_problem(DEMO_PASSWORD, username=username) is None


def test_a_demo_account_on_the_former_demo_password_gets_the_new_one(db):
    ensure_demo_accounts(db)
    peserta1 = get_user_by_username(db, "peserta1")
    set_password_hash(db, user_id=peserta1.id, password_hash=hash_password("demo1234"),
                      must_change_password=False, actor_id=None)  # fmt: skip
    ensure_demo_accounts(db)
    assert login(db, "peserta1", DEMO_PASSWORD, client="a").ok
    assert not login(db, "peserta1", "demo1234", client="b").ok


def test_the_current_password_check_has_the_accounts_backoff(db):
    """The probe: 20 tries at "Kata sandi lama" in 3.2 s, none slowed down."""
    siti = create_account(db, username="siti", display_name="Siti", roles=["trainee"],
                          password=SECRET)  # fmt: skip

    def change(current, at):
        return change_password(db, user_id=siti.id, new_password="Baru-Sekali-99",
                               current_password=current, now=at)  # fmt: skip

    for _ in range(FREE_FAILURES_ACCOUNT):
        with pytest.raises(StoreError, match="tidak cocok"):
            change("tebakan", T0)
    with pytest.raises(StoreError) as err:  # the right one, too soon: not even checked
        change(SECRET, T0 + timedelta(milliseconds=300))
    assert err.value.field == "current_password"
    assert err.value.message == "terlalu banyak percobaan yang salah. Coba lagi dalam 1 detik."
    # the same failures as signing in: the login waits too
    assert login(db, "siti", SECRET, client="x", at=T0 + timedelta(milliseconds=300)).wait_seconds
    # after the delay the right password works (and clears the failures)
    change(SECRET, T0 + timedelta(seconds=1))
    assert login(db, "siti", "Baru-Sekali-99", client="x", at=T0 + timedelta(seconds=2)).ok


def test_the_sidebar_password_form_shows_the_wait(fresh_app_db):
    at = app_as("peserta2").run()
    errors = []
    for _ in range(FREE_FAILURES_ACCOUNT + 1):
        current, new, again = at.sidebar.get("popover")[0].text_input
        current.input("bukan-sandinya")
        new.input("Sandi-Baru-Budi-2")
        again.input("Sandi-Baru-Budi-2")
        at.button(key="FormSubmitter:own_password-Simpan kata sandi").click().run()
        errors.append(rendered(at.sidebar.error[0].value))
    assert errors[0] == "Kata sandi lama: Tidak cocok dengan kata sandi Anda saat ini"
    assert errors[-1].startswith("Kata sandi lama: Terlalu banyak percobaan yang salah. Coba lagi")


def test_the_new_password_form_refuses_a_common_password(fresh_app_db):
    at = app_as("peserta2").run()
    current, new, again = at.sidebar.get("popover")[0].text_input
    current.input(PASSWORD)
    new.input("password123")
    again.input("password123")
    at.button(key="FormSubmitter:own_password-Simpan kata sandi").click().run()
    assert "paling umum dipakai" in rendered(at.sidebar.error[0].value)
