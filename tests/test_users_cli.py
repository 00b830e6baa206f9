"""`cso-trainer users ...` and `cso-trainer demo-setup` for scripted set-up, run as a user would
run them (a subprocess against a database of its own)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from store import Database, get_user_by_username, list_audit
from store.auth import DEMO_ACCOUNTS, DEMO_PASSWORD, authenticate

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "cso-trainer"
SECRET = "Sandi-Kantor-Kuat-1"


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(url, *args, stdin="", demo=False):
    env = {**os.environ, "CSO_DATABASE_URL": url}
    env.pop("CSO_DEMO", None)
    if demo:
        env["CSO_DEMO"] = "1"
    return subprocess.run([str(EXE), *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)  # fmt: skip


def opened(url):
    return Database(url)


def test_users_add_reads_the_password_from_stdin(url):
    r = run(url, "users", "add", "Kepala", "--role", "admin", "--role", "qa",
            "--name", "Kepala Pelatihan", stdin=SECRET + "\n")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "OK: akun kepala dibuat (peran: admin, qa)"
    assert SECRET not in r.stdout + r.stderr
    db = opened(url)
    user = get_user_by_username(db, "kepala")
    assert user.roles == ("admin", "qa") and user.display_name == "Kepala Pelatihan"
    assert not user.must_change_password
    assert authenticate(db, username="kepala", password=SECRET, client="cli").ok
    entry = list_audit(db, target_id=user.id)[0]
    assert entry.action == "user.create" and entry.actor_id is None  # the system
    db.dispose()


def test_the_password_is_never_an_argument(url):
    r = run(url, "users", "add", "--help")
    assert not re.search(r"\s--password\b", r.stdout) and "dari standard input" in r.stdout
    r = run(url, "users", "add", "budi", "--role", "trainee", "--password", SECRET)
    assert r.returncode == 2 and "unrecognized arguments: --password" in r.stderr


def test_users_add_refuses_bad_input_and_writes_nothing(url):
    short = run(url, "users", "add", "budi", "--role", "trainee", stdin="pendek\n")
    assert short.returncode == 2
    assert short.stderr.strip() == "add: password: Kata sandi minimal 8 karakter."
    bad_name = run(url, "users", "add", "budi santoso", "--role", "trainee", stdin=SECRET)
    assert bad_name.returncode == 2 and bad_name.stderr.startswith("add: username: 2-64 karakter")
    bad_role = run(url, "users", "add", "budi", "--role", "manajer", stdin=SECRET)
    assert bad_role.returncode == 2 and "invalid choice: 'manajer'" in bad_role.stderr
    no_role = run(url, "users", "add", "budi", stdin=SECRET)
    assert no_role.returncode == 2 and "--role" in no_role.stderr
    listed = run(url, "users", "list", "--json")
    assert json.loads(listed.stdout) == []
    assert run(url, "users", "add", "budi", "--role", "qa", stdin=SECRET).returncode == 0
    dup = run(url, "users", "add", "BUDI", "--role", "qa", stdin=SECRET)
    assert dup.returncode == 2 and dup.stderr.strip() == "add: username: 'budi' sudah dipakai"


def test_users_list_disable_enable_and_set_roles(url):
    for name, role in (("admin", "admin"), ("budi", "trainee")):
        assert run(url, "users", "add", name, "--role", role, stdin=SECRET).returncode == 0
    listed = run(url, "users", "list")
    assert listed.stdout.splitlines() == ["admin\tadmin\taktif\t-\tadmin",
                                          "budi\ttrainee\taktif\t-\tbudi"]  # fmt: skip
    rows = json.loads(run(url, "users", "list", "--json").stdout)
    assert rows[1] == {"username": "budi", "display_name": "budi", "roles": ["trainee"],
                       "disabled": False, "must_change_password": False, "email": None}  # fmt: skip
    assert "$argon2" not in run(url, "users", "list", "--json").stdout

    r = run(url, "users", "disable", "budi")
    assert r.returncode == 0 and r.stderr.strip() == "OK: akun budi dinonaktifkan"
    assert "budi\ttrainee\tnonaktif" in run(url, "users", "list").stdout
    db = opened(url)
    assert not authenticate(db, username="budi", password=SECRET, client="cli").ok
    assert run(url, "users", "enable", "budi").returncode == 0
    assert authenticate(db, username="budi", password=SECRET, client="cli2").ok

    r = run(url, "users", "set-roles", "budi", "--role", "trainer", "--role", "qa")
    assert r.returncode == 0 and r.stderr.strip() == "OK: peran budi: qa, trainer"
    assert get_user_by_username(db, "budi").roles == ("qa", "trainer")
    last = run(url, "users", "set-roles", "admin", "--role", "trainee")
    assert last.returncode == 2
    assert last.stderr.strip() == "set-roles: roles: harus tetap ada minimal satu admin aktif"
    assert run(url, "users", "disable", "admin").returncode == 2

    missing = run(url, "users", "disable", "tidakada")
    assert missing.returncode == 1 and missing.stderr.strip() == "pengguna 'tidakada' tidak ada"
    actions = [e.action for e in list_audit(db, target_id=get_user_by_username(db, "budi").id)]
    assert actions == ["user.create", "user.set_disabled", "user.set_disabled", "user.set_roles"]
    db.dispose()


def test_demo_setup_only_in_demo_mode_and_idempotent(url):
    refused = run(url, "demo-setup")
    assert refused.returncode == 1 and "CSO_DEMO=1" in refused.stderr
    assert json.loads(run(url, "users", "list", "--json").stdout) == []

    first = run(url, "demo-setup", demo=True)
    assert first.returncode == 0, first.stderr
    assert "akun demo peserta1: dibuat" in first.stderr
    db = opened(url)
    before = {u: get_user_by_username(db, u) for u, _, _ in DEMO_ACCOUNTS}
    rows = json.loads(run(url, "users", "list", "--json").stdout)
    second = run(url, "demo-setup", demo=True)
    assert second.returncode == 0 and "dibuat" not in second.stderr
    assert second.stderr.count("sudah ada") == len(DEMO_ACCOUNTS)
    assert json.loads(run(url, "users", "list", "--json").stdout) == rows  # nothing new
    logins = {(r["username"], tuple(r["roles"])) for r in rows}
    assert {(u, roles) for u, _, roles in DEMO_ACCOUNTS} <= logins
    for username, _, _ in DEMO_ACCOUNTS:  # untouched by the second run, and usable
        assert get_user_by_username(db, username).password_hash == before[username].password_hash
        assert authenticate(db, username=username, password=DEMO_PASSWORD, client=username).ok
    db.dispose()
