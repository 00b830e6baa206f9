"""Scenarios and SOPs as versions in the database: history, restore, retire, concurrent edits,
import/export, the rubric version of a score. Runs on SQLite and (when set) PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from scenarios.authoring import load_rt, set_values, to_plain
from scenarios.library import load_scenarios
from services.content import scorer_of
from sop.yamlfile import ContentError
from store import create_user
from store.content_io import export_texts, import_shipped, import_texts, unzip_texts, zip_texts
from store.content_snapshot import content_snapshot, scenario_catalog
from store.errors import StoreError
from store.versions import (
    EditConflict,
    NoChange,
    get_item,
    get_version,
    list_items,
    list_versions,
    restore_version,
    save_scenario,
    save_sop,
    set_scenario_status,
    version_for_attempt,
)
from tests.e2e import ROOT

LIBRARY = ROOT / "scenarios" / "library"
SOP_FILE = ROOT / "sop" / "library" / "pln123_tagihan_invoice.yaml"
SHIPPED = {p.name: p.read_text(encoding="utf-8") for p in sorted(LIBRARY.glob("*.yaml"))}
SC = "tagihan-jumlah-ibu-sopan"


def trainer(db, username="sari", name="Sari Wulandari"):
    return create_user(db, username=username, display_name=name, roles=["trainer"])


@pytest.fixture
def content_db(db):
    report = import_shipped(db)
    assert not report.problems
    return db


def test_shipped_content_is_imported_once_and_runs_the_app(db):
    first = import_shipped(db)
    assert len(first.added) == len(SHIPPED) + 1  # every scenario and the SOP
    again = import_shipped(db)
    assert (again.added, again.updated) == ([], [])
    assert len(again.unchanged) == len(SHIPPED) + 1

    items = list_items(db, "scenario")
    assert [f"{i.item_id}.yaml" for i in items] == sorted(SHIPPED)
    assert {i.current_number for i in items} == {1}
    assert all(i.who == "sistem" for i in items)
    # the catalog is the same ScenarioLibrary the generator uses, with the same content
    # versions as the files (attempts taken before and after the import agree)
    catalog = scenario_catalog(db)
    files = load_scenarios()
    assert sorted(catalog.scenarios) == sorted(files.scenarios)
    for sid, sc in files.scenarios.items():
        assert catalog.get(sid).content_version == sc.content_version
    assert content_snapshot(db).rubric_version("pln123.tagihan_invoice") == (
        "pln123.tagihan_invoice@r1"
    )


def test_edit_history_diffable_and_restore_as_a_new_version(content_db):
    db = content_db
    sari = trainer(db)
    v1 = get_version(db, "scenario", SC)
    edited = set_values(v1.text, {("difficulty",): "sulit",
                                  ("opening",): ["Halo, Mbak. Tagihan saya bulan ini berapa?"]})
    v2 = save_scenario(db, text=edited, base_version=1, author_id=sari.id,
                       reason="lebih sulit", item_id=SC)
    assert (v2.number, v2.who, v2.reason, v2.source) == (2, "Sari Wulandari", "lebih sulit",
                                                         "editor")
    # only the edited fields changed; the comment line at the top is kept
    assert v2.text.splitlines()[0] == v1.text.splitlines()[0].rstrip("\n")
    assert scenario_catalog(db).get(SC).difficulty == "sulit"
    item = get_item(db, "scenario", SC)
    assert (item.current_number, item.meta["difficulty"], item.who) == (2, "sulit",
                                                                        "Sari Wulandari")

    v3 = restore_version(db, kind="scenario", item_id=SC, number=1, base_version=2,
                         author_id=sari.id, reason="kembali ke semula")
    assert (v3.number, v3.restored_from, v3.text, v3.source) == (3, 1, v1.text, "pulihkan")
    history = list_versions(db, "scenario", SC)
    assert [v.number for v in history] == [3, 2, 1]
    assert scenario_catalog(db).get(SC).difficulty == v1.text.split("difficulty: ")[1].split()[0]


def test_a_save_based_on_an_old_version_is_refused_and_nothing_is_overwritten(content_db):
    db = content_db
    sari, budi = trainer(db), trainer(db, "budi", "Budi Santoso")
    base = get_version(db, "scenario", SC)
    first = set_values(base.text, {("title",): "Versi Sari"})
    second = set_values(base.text, {("title",): "Versi Budi"})
    save_scenario(db, text=first, base_version=1, author_id=sari.id, reason="judul",
                  item_id=SC)
    with pytest.raises(EditConflict) as refused:
        save_scenario(db, text=second, base_version=1, author_id=budi.id, reason="judul",
                      item_id=SC)
    message = refused.value.message
    assert message.startswith("Skenario sudah diubah oleh Sari Wulandari pada ")
    assert "WIB (versi 2); muat ulang dulu." in message
    assert get_version(db, "scenario", SC).text == first
    assert len(list_versions(db, "scenario", SC)) == 2


def test_two_trainers_saving_at_the_same_moment_one_wins(content_db):
    db = content_db
    base = get_version(db, "scenario", SC)
    users = [trainer(db, f"t{i}", f"Trainer {i}") for i in range(4)]
    start = threading.Barrier(len(users))
    outcomes: list[str] = []

    def save(user):
        text = set_values(base.text, {("title",): f"Judul {user.display_name}"})
        start.wait()
        try:
            save_scenario(db, text=text, base_version=1, author_id=user.id, reason="balapan",
                          item_id=SC)
            outcomes.append("saved")
        except EditConflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=save, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["refused"] * 3 + ["saved"]
    assert [v.number for v in list_versions(db, "scenario", SC)] == [2, 1]


BAD = {
    "unknown case": lambda t: set_values(t, {("case",): "tagihan.tidak_ada"}),
    "empty customer line": lambda t: set_values(t, {("opening",): ["Halo", "  "]}),
    "YAML that does not parse": lambda t: t + "\nreactions: [tidak ditutup\n",
    "a 1 MB field": lambda t: set_values(t, {("persona", "description"): "x" * 1_048_576}),
}


@pytest.mark.parametrize("bad", BAD, ids=list(BAD))
def test_invalid_content_is_refused_with_a_clear_message_and_nothing_is_saved(content_db, bad):
    db = content_db
    current = get_version(db, "scenario", SC)
    with pytest.raises(ContentError) as refused:
        save_scenario(db, text=BAD[bad](current.text), base_version=1, author_id=None,
                      reason="coba", item_id=SC)
    problem = refused.value.problems[0]
    assert problem.line >= 1 and problem.message
    expected_field = {"unknown case": "case", "empty customer line": "opening[1]",
                      "YAML that does not parse": "(yaml)", "a 1 MB field": "(dokumen)"}[bad]
    assert problem.field == expected_field
    assert [v.number for v in list_versions(db, "scenario", SC)] == [1]


def test_a_reason_is_required_and_the_id_cannot_change(content_db):
    db = content_db
    text = get_version(db, "scenario", SC).text
    with pytest.raises(StoreError, match="alasan perubahan wajib diisi"):
        save_scenario(db, text=set_values(text, {("title",): "X"}), base_version=1,
                      author_id=None, reason="  ", item_id=SC)
    with pytest.raises(StoreError, match="gunakan Duplikat"):
        save_scenario(db, text=set_values(text, {("id",): "lain"}), base_version=1,
                      author_id=None, reason="ganti id", item_id=SC)
    with pytest.raises(StoreError, match="sudah ada; pilih id lain"):
        save_scenario(db, text=text, base_version=None, author_id=None, reason="baru")
    with pytest.raises(NoChange):
        save_scenario(db, text=text, base_version=1, author_id=None, reason="sama",
                      item_id=SC)
    assert len(list_versions(db, "scenario", SC)) == 1


def test_saved_versions_cannot_be_changed_or_deleted_in_the_database(content_db):
    db = content_db
    for statement in ("UPDATE content_versions SET text = 'x'", "DELETE FROM content_versions"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.transaction() as s:
                s.execute(sql(statement))
    assert get_version(db, "scenario", SC).number == 1


def test_a_retired_scenario_leaves_practice_but_attempts_still_find_their_version(content_db):
    db = content_db
    before = scenario_catalog(db).get(SC)
    v2 = set_scenario_status(db, scenario_id=SC, status="nonaktif", base_version=1,
                             author_id=None, reason="tidak dipakai lagi")
    assert v2.source == "status" and "status: nonaktif" in v2.text
    catalog = scenario_catalog(db)
    assert SC not in [s.id for s in catalog.active()]
    assert catalog.get(SC).status == "nonaktif"
    assert get_item(db, "scenario", SC).status == "nonaktif"
    found = version_for_attempt(db, SC, before.content_version)
    assert found is not None and found.number == 1


def test_export_import_round_trip_equals_the_original(content_db, tmp_path):
    db = content_db
    exported = export_texts(db)
    assert exported == SHIPPED  # byte for byte: comments, order, quoting kept
    files = unzip_texts(zip_texts(exported))
    assert files == SHIPPED
    report = import_texts(db, files, author_id=None, reason="dari git")
    assert (report.added, report.updated) == ([], [])
    assert len(report.unchanged) == len(SHIPPED)

    changed = dict(files)
    changed[f"{SC}.yaml"] = set_values(files[f"{SC}.yaml"], {("difficulty",): "sulit"})
    report = import_texts(db, changed, author_id=None, reason="dari git")
    assert report.updated == [f"scenario:{SC}"]
    assert list_versions(db, "scenario", SC)[0].source == "impor"
    assert export_texts(db) == changed
    sop_files = export_texts(db, kind="sop")
    assert sop_files == {SOP_FILE.name: SOP_FILE.read_text(encoding="utf-8")}


def test_an_import_with_one_bad_file_writes_nothing(content_db):
    db = content_db
    files = dict(SHIPPED)
    files[f"{SC}.yaml"] = set_values(files[f"{SC}.yaml"], {("difficulty",): "mudah"})
    files["baru.yaml"] = set_values(files[f"{SC}.yaml"], {("id",): "baru",
                                                          ("case",): "tidak.ada"})
    with pytest.raises(ContentError) as refused:
        import_texts(db, files, author_id=None, reason="dari git")
    assert [(p.file, p.field) for p in refused.value.problems] == [("baru.yaml", "case")]
    assert len(list_versions(db, "scenario", SC)) == 1
    assert get_item(db, "scenario", "baru") is None


def test_a_shipped_file_update_applies_only_where_no_trainer_edited(content_db, tmp_path):
    db = content_db
    other = "tagihan-jumlah-bapak-terburu-buru"
    text = get_version(db, "scenario", SC).text
    save_scenario(db, text=set_values(text, {("title",): "Diubah trainer"}), base_version=1,
                  author_id=None, reason="ubah", item_id=SC)
    folder = tmp_path / "library"
    folder.mkdir()
    for name in (SC, other):
        new = set_values(SHIPPED[f"{name}.yaml"], {("max_turns",): 14})
        (folder / f"{name}.yaml").write_text(new, encoding="utf-8")
    report = import_shipped(db, scenario_paths=[folder])
    assert report.updated == [f"scenario:{other}"]
    assert report.kept == [f"scenario:{SC}"]
    assert get_version(db, "scenario", SC).text.count("Diubah trainer") == 1
    assert "max_turns: 14" in get_version(db, "scenario", other).text


def test_rubric_versions_score_with_the_current_rubric_and_name_it(content_db):
    db = content_db
    sop_id = "pln123.tagihan_invoice"
    base = get_version(db, "sop", sop_id)
    doc = load_rt(base.text)
    i = [c["id"] for c in doc["cases"]].index("tagihan.jumlah")
    path = ("cases", i, "rubric", "criteria", "bill_amount")
    edited = set_values(base.text, {(*path, "weight"): 60, (*path, "critical"): True})
    v2 = save_sop(db, text=edited, base_version=1, author_id=None, reason="jumlah lebih penting",
                  item_id=sop_id)
    # only the edited line differs; the verbatim SOP source text and comments are untouched
    changed = [(a, b) for a, b in zip(base.text.splitlines(), v2.text.splitlines(), strict=True)
               if a != b]
    assert changed == [("        bill_amount: {weight: 40}",
                        "        bill_amount: {weight: 60, critical: true}")]
    snap = content_snapshot(db)
    assert snap.rubric_version(sop_id) == f"{sop_id}@r2"
    result = scorer_of(snap).score_data({
        "case": "tagihan.jumlah",
        "customer": {"idpel": "532100123456", "name": "Budi", "email": "b@x.co.id",
                     "bill_amount": 345000},
        "replies": ["Tagihan Bapak bulan ini Rp 345.000."],
        "apkt": {"action": "issue_closed", "sub_issue_type": None, "idpel": "532100123456",
                 "email": None, "keterangan": "info tagihan"},
    })
    bill = next(c for c in result.criteria if c.id == "bill_amount")
    assert (bill.max, bill.critical) == (60, True)


def test_an_sop_change_that_breaks_an_active_scenario_is_refused(content_db):
    db = content_db
    sop_id = "pln123.tagihan_invoice"
    base = get_version(db, "sop", sop_id)
    doc = to_plain(load_rt(base.text))
    i = [c["id"] for c in doc["cases"]].index("invoice.email.setuju_web")
    # a hint of invoice-setuju-web-tanpa-akun names website_offered_first
    edited = set_values(base.text, {
        ("cases", i, "rubric", "criteria", "website_offered_first"): None,
        ("cases", i, "rubric", "criteria", "website_steps", "weight"): 70,
    })
    with pytest.raises(ContentError) as refused:
        save_sop(db, text=edited, base_version=1, author_id=None, reason="coba",
                 item_id=sop_id)
    assert any("invoice-setuju-web-tanpa-akun" in p.file and p.field.startswith("hints")
               for p in refused.value.problems)
    assert len(list_versions(db, "sop", sop_id)) == 1
