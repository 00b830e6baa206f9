"""SOP coverage by active scenarios, `cso-trainer coverage`, `validate` on any file, and
`cso-trainer scenarios export/import`."""

from __future__ import annotations

import shutil

import pytest

from cli import main
from scenarios.authoring import set_values
from scenarios.coverage import as_table, coverage, variants
from scenarios.diff import changed_fields, unified
from scenarios.library import load_scenarios
from sop.library import load_library
from store.content_io import import_shipped
from store.content_snapshot import scenario_catalog
from store.db import Database
from store.versions import set_scenario_status
from tests.e2e import ROOT

LIBRARY = ROOT / "scenarios" / "library"
SOP_FILE = ROOT / "sop" / "library" / "pln123_tagihan_invoice.yaml"


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """The database the CLI opens (CSO_DATABASE_URL), with the shipped content in it."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("CSO_DATABASE_URL", url)
    db = Database(url)
    db.upgrade()
    import_shipped(db)
    yield db
    db.dispose()


def test_every_case_and_fact_variant_of_the_shipped_library_is_covered():
    cov = coverage(load_library(), load_scenarios())
    assert cov.ok and not cov.uncovered_variants
    rows = {(r.case_id, r.variant): r for r in cov.rows}
    assert len(rows) == 11  # 5 cases without facts, 2 cases x 3 possible fact variants
    assert ("website.panduan", "has_account=true, email_used_elsewhere=true") not in rows
    tagihan = rows[("tagihan.jumlah", "-")]
    assert tagihan.counts == {"mudah": 1, "sedang": 1, "sulit": 1}
    assert variants(["has_account", "email_used_elsewhere"]) == [
        {"has_account": False, "email_used_elsewhere": False},
        {"has_account": False, "email_used_elsewhere": True},
        {"has_account": True, "email_used_elsewhere": False},
    ]


def test_coverage_command_prints_the_table_and_fails_when_a_case_has_no_scenario(
    app_db, capsys
):
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    assert "7 dari 7 kasus punya skenario aktif; 0 varian belum tercakup." in out
    assert "belum ada" not in out

    for sc in scenario_catalog(app_db).by_case("invoice.email.tetap"):
        set_scenario_status(app_db, scenario_id=sc.id, status="nonaktif", base_version=1,
                            author_id=None, reason="uji cakupan")
    assert main(["coverage"]) == 1
    captured = capsys.readouterr()
    line = next(x for x in captured.out.splitlines() if x.startswith("invoice.email.tetap"))
    assert "KASUS TANPA SKENARIO" in line
    assert "6 dari 7 kasus punya skenario aktif" in captured.out
    assert "kasus tanpa skenario aktif: invoice.email.tetap" in captured.err

    assert main(["coverage", "--json"]) == 1
    import json

    rows = json.loads(capsys.readouterr().out)
    tetap = next(r for r in rows if r["case"] == "invoice.email.tetap")
    assert (tetap["total"], tetap["case_covered"]) == (0, False)


def test_an_uncovered_variant_stands_out_but_does_not_fail_the_command(tmp_path, capsys):
    folder = tmp_path / "lib"
    shutil.copytree(LIBRARY, folder)
    (folder / "invoice-setuju-web-punya-akun.yaml").unlink()
    assert main(["coverage", "--files", str(folder)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines()
                if x.startswith("invoice.email.setuju_web") and "has_account=true" in x)
    assert line.endswith("belum ada skenario")
    cov = coverage(load_library(), load_scenarios([folder]))
    assert "\033[31m" in as_table(cov, color=True)  # red on a terminal


def test_validate_recognises_a_scenario_or_sop_file_anywhere_on_disk(tmp_path, capsys):
    outside = tmp_path / "unduhan"
    outside.mkdir()
    scenario = outside / "tagihan-jumlah-ibu-sopan.yaml"
    shutil.copy(LIBRARY / scenario.name, scenario)
    sop = outside / "sop-saya.yaml"
    shutil.copy(SOP_FILE, sop)
    assert not str(outside).startswith(str(ROOT))
    assert main(["validate", str(scenario), str(sop)]) == 0
    assert "OK: 2 file valid" in capsys.readouterr().err

    broken = outside / "tagihan-jumlah-ibu-sopan.yaml"
    broken.write_text(set_values(scenario.read_text(), {("case",): "tagihan.salah"}))
    assert main(["validate", str(broken)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{broken}:4: Kasus SOP (case): kasus 'tagihan.salah' tidak ada di SOP")


def test_export_and_import_commands_round_trip(app_db, tmp_path, capsys):
    out = tmp_path / "ekspor"
    assert main(["scenarios", "export", str(out)]) == 0
    for f in LIBRARY.glob("*.yaml"):
        assert (out / f.name).read_text(encoding="utf-8") == f.read_text(encoding="utf-8")
    archive = tmp_path / "skenario.zip"
    assert main(["scenarios", "export", str(archive)]) == 0
    assert main(["scenarios", "import", str(archive)]) == 0
    assert "0 baru, 0 diperbarui, 17 tetap" in capsys.readouterr().err

    edited = out / "tagihan-jumlah-ibu-sopan.yaml"
    edited.write_text(set_values(edited.read_text(), {("difficulty",): "sulit"}))
    bad = out / "rusak.yaml"
    bad.write_text("id: rusak\ncase: [\n")
    assert main(["scenarios", "import", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3: (yaml): YAML tidak valid" in err
    assert scenario_catalog(app_db).get("tagihan-jumlah-ibu-sopan").difficulty == "mudah"
    bad.unlink()
    assert main(["scenarios", "import", str(out), "--reason", "dari git"]) == 0
    assert "0 baru, 1 diperbarui, 16 tetap" in capsys.readouterr().err
    assert scenario_catalog(app_db).get("tagihan-jumlah-ibu-sopan").difficulty == "sulit"
    assert main(["scenarios", "--json"]) == 0  # the file listing still works
    assert '"id": "tagihan-jumlah-ibu-sopan"' in capsys.readouterr().out


def test_a_diff_says_in_words_which_fields_changed():
    old = (LIBRARY / "tagihan-jumlah-ibu-sopan.yaml").read_text()
    new = set_values(old, {("difficulty",): "sulit", ("persona", "style"): "kesal"})
    lines = old.split("opening:\n")[1].split("\n")
    new = new.replace(lines[0], lines[0] + "\n  - Halo, tagihan saya berapa?")
    changes = [c.describe() for c in changed_fields(old, new)]
    assert changes == [
        'difficulty: "mudah" → "sulit"',
        'persona.style: "sopan" → "kesal"',
        'opening[1]: ditambah "Halo, tagihan saya berapa?"',
    ]
    diff = unified(old, new, "versi 1", "versi 2")
    assert "-difficulty: mudah\n+difficulty: sulit\n" in diff
    assert changed_fields(old, old) == [] and unified(old, old, "a", "b") == ""
