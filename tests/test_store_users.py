"""Accounts in the database: unique usernames, roles, disabling, password hashes, and the
audit trail every change writes (append-only, never holding a hash). Runs on SQLite and, when
CSO_TEST_POSTGRES_URL is set, on PostgreSQL too."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from store import (
    StoreError,
    count_users,
    create_user,
    get_user,
    get_user_by_username,
    list_audit,
    list_users,
    record_audit,
    set_disabled,
    set_password_hash,
    set_roles,
)
from store.models import AuditEntry, User

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


def audit_rows(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def user_rows(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(User))


@pytest.fixture
def admin(db):
    return create_user(db, username="admin", display_name="Admin Pusat", roles=["admin"])


def test_a_fresh_database_has_no_users(db):
    assert count_users(db) == 0
    assert list_users(db) == []


def test_a_user_is_created_with_roles_and_found_by_any_case_of_the_name(db, admin):
    user = create_user(
        db,
        username="  Siti.Rahayu ",
        display_name="Siti Rahayu",
        roles=["trainee", "qa", "trainee"],
        password_hash=HASH,
        must_change_password=True,
        actor_id=admin.id,
    )

    found = get_user_by_username(db, "SITI.RAHAYU")
    assert found == user == get_user(db, user.id)
    assert (found.username, found.display_name, found.roles) == (
        "siti.rahayu",
        "Siti Rahayu",
        ("qa", "trainee"),
    )
    assert found.password_hash == HASH and found.must_change_password and not found.disabled
    assert HASH not in repr(found)
    assert found.requester.sees_all_attempts  # QA among the roles
    assert found.created_at.tzinfo is not None
    [entry] = list_audit(db, target_type="user", target_id=user.id)
    assert (entry.action, entry.actor_id, entry.old) == ("user.create", admin.id, None)
    assert entry.new["roles"] == ["qa", "trainee"] and entry.new["password_set"] is True


def test_usernames_are_unique_whatever_the_case_and_a_refusal_writes_nothing(db, admin):
    create_user(db, username="budi", display_name="Budi", roles=["trainee"])
    users, entries = user_rows(db), audit_rows(db)

    with pytest.raises(StoreError) as err:
        create_user(db, username="BUDI", display_name="Budi Lain", roles=["trainee"])
    assert err.value.field == "username" and "sudah dipakai" in err.value.message
    assert (user_rows(db), audit_rows(db)) == (users, entries)


@pytest.mark.parametrize(
    ("username", "display_name", "roles", "field"),
    [
        ("b", "Budi", ["trainee"], "username"),
        ("budi santoso", "Budi", ["trainee"], "username"),
        ("x" * 65, "Budi", ["trainee"], "username"),
        ("<script>", "Budi", ["trainee"], "username"),
        ("budi", "   ", ["trainee"], "display_name"),
        ("budi", "Budi\x00", ["trainee"], "display_name"),
        ("budi", "Budi", [], "roles"),
        ("budi", "Budi", ["trainee", "superuser"], "roles"),
    ],
)
def test_bad_account_data_is_refused_by_field(db, username, display_name, roles, field):
    with pytest.raises(StoreError) as err:
        create_user(db, username=username, display_name=display_name, roles=roles)
    assert err.value.field == field
    assert (user_rows(db), audit_rows(db)) == (0, 0)


def test_lookups_with_odd_input_find_nobody(db, admin):
    for name in ["' OR 1=1 --", "admin'; DROP TABLE users; --", "a" * 10_000, "", "admin\x00"]:
        assert get_user_by_username(db, name) is None
    assert get_user_by_username(db, "admin") == admin
    assert user_rows(db) == 1


def test_changing_roles_is_audited_with_old_and_new(db, admin):
    budi = create_user(db, username="budi", display_name="Budi", roles=["trainee"])

    changed = set_roles(
        db, user_id=budi.id, roles=["trainer", "trainee"], actor_id=admin.id, comment="pelatih baru"
    )
    again = set_roles(db, user_id=budi.id, roles=["trainee", "trainer"], actor_id=admin.id)

    assert changed.roles == again.roles == ("trainee", "trainer")
    assert get_user(db, budi.id).roles == ("trainee", "trainer")
    assert changed.updated_at >= budi.updated_at
    entries = list_audit(db, target_type="user", target_id=budi.id)
    assert [e.action for e in entries] == ["user.create", "user.set_roles"]  # no-op not logged
    assert (entries[1].old, entries[1].new) == (
        {"roles": ["trainee"]},
        {"roles": ["trainee", "trainer"]},
    )
    assert (entries[1].actor_id, entries[1].comment) == (admin.id, "pelatih baru")
    assert [u.username for u in list_users(db, role="trainer")] == ["budi"]


def test_a_disabled_user_is_kept_marked_and_audited(db, admin):
    budi = create_user(db, username="budi", display_name="Budi", roles=["trainee"])

    off = set_disabled(db, user_id=budi.id, disabled=True, actor_id=admin.id, comment="resign")

    assert off.disabled and get_user_by_username(db, "budi").disabled
    assert [u.username for u in list_users(db)] == ["admin", "budi"]
    assert [u.username for u in list_users(db, include_disabled=False)] == ["admin"]
    entry = list_audit(db, target_id=budi.id)[-1]
    assert (entry.action, entry.old, entry.new, entry.comment) == (
        "user.set_disabled",
        {"disabled": False},
        {"disabled": True},
        "resign",
    )
    assert not set_disabled(db, user_id=budi.id, disabled=False, actor_id=admin.id).disabled


def test_a_password_reset_stores_the_hash_but_the_audit_trail_never_holds_it(db, admin):
    budi = create_user(db, username="budi", display_name="Budi", roles=["trainee"])

    reset = set_password_hash(
        db, user_id=budi.id, password_hash=HASH, must_change_password=True, actor_id=admin.id
    )

    assert reset.password_hash == HASH and reset.must_change_password
    entry = list_audit(db, target_id=budi.id)[-1]
    assert entry.action == "user.set_password"
    assert entry.new == {"password": "diganti", "must_change_password": True}
    with db.session() as s:
        dumped = " ".join(str(row) for row in s.execute(text("SELECT * FROM audit_log")))
    assert HASH not in dumped and "argon2" not in dumped


def test_the_last_active_admin_cannot_be_removed_or_disabled(db, admin):
    entries = audit_rows(db)
    with pytest.raises(StoreError) as err:
        set_roles(db, user_id=admin.id, roles=["trainee"], actor_id=admin.id)
    assert err.value.field == "roles"
    with pytest.raises(StoreError) as err:
        set_disabled(db, user_id=admin.id, disabled=True, actor_id=admin.id)
    assert err.value.field == "disabled"
    assert get_user(db, admin.id).roles == ("admin",) and not get_user(db, admin.id).disabled
    assert audit_rows(db) == entries

    second = create_user(db, username="admin2", display_name="Admin Dua", roles=["admin"])
    assert set_disabled(db, user_id=admin.id, disabled=True, actor_id=second.id).disabled


def test_changes_to_an_unknown_user_are_refused(db, admin):
    with pytest.raises(StoreError) as err:
        set_roles(db, user_id=404, roles=["qa"], actor_id=admin.id)
    assert err.value.field == "user_id"
    assert audit_rows(db) == 1


def test_a_user_change_and_its_audit_entry_are_kept_or_lost_together(db, admin):
    budi = create_user(db, username="budi", display_name="Budi", roles=["trainee"])
    entries = audit_rows(db)

    with pytest.raises(RuntimeError), db.transaction() as s:
        set_roles(s, user_id=budi.id, roles=["qa"], actor_id=admin.id)
        raise RuntimeError("halaman gagal")

    assert get_user(db, budi.id).roles == ("trainee",)
    assert audit_rows(db) == entries


def test_the_audit_trail_cannot_be_edited_or_deleted(db, admin):
    entry_id = record_audit(
        db,
        actor_id=admin.id,
        action="review.override",
        target_type="attempt",
        target_id=7,
        old={"ok": False},
        new={"ok": True},
        comment="bukti ada di balasan ke-3",
    )
    for sql in (
        f"UPDATE audit_log SET comment = 'diubah' WHERE id = {entry_id}",
        f"DELETE FROM audit_log WHERE id = {entry_id}",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text(sql))

    [entry] = list_audit(db, target_type="attempt", target_id="7")
    assert (entry.old, entry.new, entry.comment) == (
        {"ok": False},
        {"ok": True},
        "bukti ada di balasan ke-3",
    )
