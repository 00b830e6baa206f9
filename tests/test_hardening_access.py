"""Issue 11, item 1: every write checks the acting user's roles and status as they are NOW,
inside the write's own transaction, whatever the page did. A page opened before an admin (or
the command line) removed a role or disabled the account cannot write with it any more; the
refused write changes nothing and raises NoLongerAllowed ("Anda tidak lagi memiliki hak ...").

Store tests run on SQLite and (CSO_TEST_POSTGRES_URL) PostgreSQL; the browser test drives the
first case of the issue in Chromium.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scenarios.authoring import set_values
from services.rescoring import rescore
from store import count_attempts, create_user, get_user, list_audit, set_disabled, set_roles
from store.access import Requester
from store.auth import create_account, reset_password, set_email
from store.calibration import request_calibration
from store.content_io import import_shipped
from store.errors import NoLongerAllowed, StoreError
from store.models import Attempt, AttemptReview, Calibration, CriterionOverride
from store.reviews import mark_reviewed, override_criterion, review
from store.users import set_password_hash
from store.versions import get_version, list_versions, save_scenario, save_sop
from tests.qa_data import add_attempts, content, people

SC = "tagihan-jumlah-ibu-sopan"


def _audit_count(db) -> int:
    return len(list_audit(db, limit=100_000))


# ---------------------------------------------------------------- accounts (admin actions)
@pytest.mark.parametrize("change", ["demoted", "disabled"])
def test_an_admin_who_lost_the_role_changes_no_account(db, change):
    admin1 = create_user(db, username="admin1", display_name="Admin Satu", roles=["admin"])
    admin2 = create_user(db, username="admin2", display_name="Admin Dua", roles=["admin"])
    rina = create_user(db, username="rina", display_name="Rina", roles=["trainee"])
    # the command line (actor None, "system") takes the right away
    if change == "demoted":
        set_roles(db, user_id=admin2.id, roles=["trainee"], actor_id=None)
    else:
        set_disabled(db, user_id=admin2.id, disabled=True, actor_id=None)
    before_audit = _audit_count(db)

    attempts = {
        # the issue's own case: "Simpan peran" on one's own account makes one admin again
        "own roles back": lambda: set_roles(db, user_id=admin2.id, roles=["admin"],
                                            actor_id=admin2.id),
        "roles": lambda: set_roles(db, user_id=rina.id, roles=["admin"], actor_id=admin2.id),
        "create": lambda: create_user(db, username="baru", display_name="Baru",
                                      roles=["admin"], actor_id=admin2.id),
        "create account": lambda: create_account(
            db, username="baru2", display_name="Baru", roles=["admin"],
            password="Kuat-sekali-2026!", actor_id=admin2.id),
        "disable": lambda: set_disabled(db, user_id=admin1.id, disabled=True,
                                        actor_id=admin2.id),
        "reset": lambda: reset_password(db, user_id=rina.id, actor_id=admin2.id),
        "email": lambda: set_email(db, user_id=rina.id, email="rina@pln.co.id",
                                   actor_id=admin2.id),
    }
    for name, write in attempts.items():
        with pytest.raises(NoLongerAllowed) as info:
            write()
        assert "Anda tidak lagi memiliki hak admin" in info.value.message, name
        assert isinstance(info.value, StoreError)  # pages show it like any refused input

    assert get_user(db, rina.id).roles == ("trainee",)
    assert get_user(db, rina.id).email is None
    assert get_user(db, rina.id).password_hash is None
    assert not get_user(db, admin1.id).disabled
    assert get_user(db, admin2.id).roles == (("trainee",) if change == "demoted" else ("admin",))
    from store import get_user_by_username

    assert get_user_by_username(db, "baru") is None
    assert get_user_by_username(db, "baru2") is None
    assert _audit_count(db) == before_audit  # nothing written, not even an audit entry

    # an admin who still is one writes as before
    set_roles(db, user_id=rina.id, roles=["trainer"], actor_id=admin1.id)
    assert get_user(db, rina.id).roles == ("trainer",)


def test_a_users_own_password_change_needs_an_active_account_not_admin(db):
    rina = create_user(db, username="rina", display_name="Rina", roles=["trainee"])
    set_password_hash(db, user_id=rina.id, password_hash="$argon2id$x", must_change_password=False,
                      actor_id=rina.id)
    set_disabled(db, user_id=rina.id, disabled=True, actor_id=None)
    with pytest.raises(NoLongerAllowed, match="akun Anda tidak aktif"):
        set_password_hash(db, user_id=rina.id, password_hash="$argon2id$y",
                          must_change_password=False, actor_id=rina.id)
    assert get_user(db, rina.id).password_hash == "$argon2id$x"
    # a trainee resetting someone else's password is no admin
    budi = create_user(db, username="budi", display_name="Budi", roles=["trainee"])
    with pytest.raises(NoLongerAllowed):
        set_password_hash(db, user_id=rina.id, password_hash="$argon2id$z",
                          must_change_password=True, actor_id=budi.id)


def test_the_role_is_read_inside_the_callers_own_transaction(db):
    """A page that shares one transaction (several store calls) is checked in it too: the role
    change committed before the transaction began is what counts."""
    admin1 = create_user(db, username="admin1", display_name="A", roles=["admin"])
    admin2 = create_user(db, username="admin2", display_name="B", roles=["admin"])
    stale = get_user(db, admin2.id)  # what the page read when it drew
    set_roles(db, user_id=admin2.id, roles=["qa"], actor_id=admin1.id)
    assert "admin" in stale.roles
    with pytest.raises(NoLongerAllowed):
        with db.transaction() as s:
            create_user(s, username="x1", display_name="X", roles=["trainee"],
                        actor_id=stale.id)
    from store import count_users

    assert count_users(db) == 2


# ---------------------------------------------------------------- content versions
@pytest.fixture
def content_db(db):
    report = import_shipped(db)
    assert not report.problems
    return db


@pytest.mark.parametrize("change", ["demoted", "disabled"])
def test_a_demoted_trainer_writes_no_version(content_db, change):
    db = content_db
    sari = create_user(db, username="sari", display_name="Sari", roles=["trainer"])
    v1 = get_version(db, "scenario", SC)
    edited = set_values(v1.text, {("difficulty",): "sulit"})
    if change == "demoted":
        set_roles(db, user_id=sari.id, roles=["trainee"], actor_id=None)
    else:
        set_disabled(db, user_id=sari.id, disabled=True, actor_id=None)
    before_audit = _audit_count(db)
    with pytest.raises(NoLongerAllowed, match="Anda tidak lagi memiliki hak trainer"):
        save_scenario(db, text=edited, base_version=1, author_id=sari.id, reason="lebih sulit",
                      item_id=SC)
    sop = get_version(db, "sop", "pln123.tagihan_invoice")
    with pytest.raises(NoLongerAllowed):
        save_sop(db, text=sop.text.replace("\n", "\n# catatan\n", 1), base_version=sop.number,
                 author_id=sari.id, reason="catatan", item_id=sop.item_id)
    assert [v.number for v in list_versions(db, "scenario", SC)] == [1]
    assert len(list_versions(db, "sop", "pln123.tagihan_invoice")) == 1
    assert _audit_count(db) == before_audit
    # the system (import of shipped files, the command line) is not a user and still writes
    v2 = save_scenario(db, text=edited, base_version=1, author_id=None, reason="cli",
                       item_id=SC)
    assert v2.number == 2


# ---------------------------------------------------------------- QA reviews
@pytest.fixture
def qa_setup(db):
    p = people(db)
    ids = add_attempts(db, [p["andi"], p["budi"]], 6)
    return db, p, ids


def _counts(db) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(int(s.scalar(select(func.count()).select_from(t)) or 0)
                     for t in (CriterionOverride, AttemptReview, Calibration))


@pytest.mark.parametrize("change", ["demoted", "disabled"])
def test_a_qa_who_lost_the_role_reviews_nothing(qa_setup, change):
    db, p, ids = qa_setup
    lib = content().library
    stale: Requester = p["qa1"].requester  # the page's requester, read when it drew
    if change == "demoted":
        set_roles(db, user_id=p["qa1"].id, roles=["trainee"], actor_id=None)
    else:
        set_disabled(db, user_id=p["qa1"].id, disabled=True, actor_id=None)
    r = review(db, requester=p["qa2"].requester, attempt_id=ids[0], library=lib)
    crit = r.criteria[0]
    before, before_audit = _counts(db), _audit_count(db)
    writes = [
        lambda: override_criterion(db, requester=stale, attempt_id=ids[0],
                                   criterion_id=crit.id, ok=not crit.ok,
                                   comment="QA: salah baca", library=lib),
        lambda: mark_reviewed(db, requester=stale, attempt_id=ids[0], library=lib),
        lambda: request_calibration(db, requester=stale, attempt_id=ids[0],
                                    reviewer_id=p["qa2"].id),
        lambda: rescore(db, requester=stale, scorer=content().scorer,
                        only_other_rubric=False, version_of=lambda case: "baru"),
    ]
    for write in writes:
        with pytest.raises(NoLongerAllowed, match="Anda tidak lagi memiliki hak QA"):
            write()
    assert _counts(db) == before
    assert _audit_count(db) == before_audit
    # qa2 still reviews
    mark_reviewed(db, requester=p["qa2"].requester, attempt_id=ids[0], library=lib)
    assert _counts(db)[1] == before[1] + 1


# ---------------------------------------------------------------- attempts
def test_a_disabled_trainee_saves_no_attempt(db):
    p = people(db)
    add_attempts(db, [p["andi"]], 1)
    set_disabled(db, user_id=p["andi"].id, disabled=True, actor_id=None)
    with pytest.raises(NoLongerAllowed, match="akun Anda tidak aktif"):
        add_attempts(db, [p["andi"]], 1, seed=9)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 1
    assert count_attempts(db, requester=p["qa1"].requester) == 1


# ---------------------------------------------------------------- in Chromium: the case
@pytest.mark.browser
def test_an_open_users_page_cannot_give_a_demoted_admin_the_role_back(tmp_path, browser):
    """admin1 has Pengguna > Ubah pengguna > admin1 open; `cso-trainer users set-roles admin1
    --role trainee` runs; clicking "Simpan peran" (the form still says Admin) changes nothing."""
    import os
    import re
    import subprocess
    import sys

    from playwright.sync_api import expect

    from store.auth import DEMO_PASSWORD
    from store.db import Database
    from tests.e2e import ROOT, open_app, screenshot, streamlit_server, wait_idle

    data_dir = tmp_path / "data"
    # the session's browser (one Playwright per process), against a server of this test's own
    with streamlit_server(data_dir) as url:
        db = Database(f"sqlite:///{data_dir / 'cso_trainer.db'}")
        try:
            # a second admin, so the command line may take admin1's role away
            create_user(db, username="admin2", display_name="Admin Dua", roles=["admin"])
            page = browser.new_context(locale="id-ID").new_page()
            open_app(page, url, "pengguna", login=("admin1", DEMO_PASSWORD))
            page.get_by_role("radio", name="Ubah pengguna").or_(
                page.get_by_role("button", name="Ubah pengguna")).first.click()
            wait_idle(page)
            expect(page.get_by_role("button", name="Simpan peran").first).to_be_visible()
            admin1 = get_user_by_username_(db, "admin1")
            chosen = page.get_by_role("combobox", name="Pilih pengguna")  # admin1 itself
            expect(chosen).to_have_value(re.compile(r"^admin1 "))

            env = {**os.environ, "CSO_DATA_DIR": str(data_dir), "CSO_DEMO": "1"}
            env.pop("CSO_DATABASE_URL", None)
            done = subprocess.run(
                [sys.executable, str(ROOT / "cli.py"), "users", "set-roles", "admin1",
                 "--role", "trainee"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            assert get_user(db, admin1.id).roles == ("trainee",)
            audit_before = len(list_audit(db, limit=100_000))

            page.get_by_role("button", name="Simpan peran").first.click()
            wait_idle(page)
            shot = screenshot(page, "hardening-akses-simpan-peran-ditolak")
            assert shot.exists()

            # refused: the roles are what the command line set, nothing audited as admin1
            assert get_user(db, admin1.id).roles == ("trainee",)
            later = list_audit(db, limit=100_000)
            assert len(later) == audit_before
            assert not [a for a in later if a.actor_id == admin1.id
                        and a.action == "user.set_roles"]
            # the page shows no traceback and no admin page any more
            body = page.locator("[data-testid='stApp']").inner_text()
            assert "Traceback" not in body and "File \"" not in body
            expect(page.get_by_role("button", name="Simpan peran")).to_have_count(0)
        finally:
            db.dispose()


def get_user_by_username_(db, username):
    from store import get_user_by_username

    user = get_user_by_username(db, username)
    assert user is not None
    return user
