"""Issue 10 item 12: a scenario's problems all at once, with the labels the trainer sees, in the
Skenario editor and in `cso-trainer validate`; a taken ID flagged at its field before Save; a
blank new scenario that does not open in red."""

from __future__ import annotations

import re

import cli
from scenarios.authoring import check_draft, new_scenario_text, set_values
from scenarios.labels import FIELD_LABELS, field_label
from scenarios.library import default_sop_library, load_dialogue_data
from tests.accounts import app_as

# Five kinds of problem in one file: missing fields (pydantic) and cross-references (case,
# reaction, persona) that used to show only once the missing fields were filled.
SEVERAL = """\
id: banyak-masalah
title: ""
case: tagihan.entah
difficulty: gampang
persona:
  style: pemarah
  description: ""
opening:
  - ""
  - Halo {mont}
reactions:
  greeting: []
  tertawa: [Haha]
"""


def test_the_label_mapping_names_fields_as_the_form_does():
    assert field_label("persona.description") == "Deskripsi persona"
    assert field_label("id") == FIELD_LABELS["id"] == "ID skenario"
    assert field_label("opening[1]") == "Kalimat pembuka pelanggan, kalimat ke-2"
    assert field_label("reactions.greeting[0]") == "Reaksi greeting, kalimat ke-1"
    assert field_label("facts.has_account") == "Fakta has_account"
    assert field_label("(yaml)") == ""


def test_validate_lists_every_problem_of_a_file_at_once_with_labels(tmp_path, capsys):
    f = tmp_path / "banyak-masalah.yaml"
    f.write_text(SEVERAL, encoding="utf-8")
    rc = cli.main(["validate", str(f)])
    out, err = capsys.readouterr()
    assert rc == 1
    lines = out.strip().splitlines()
    shape = re.compile(rf"{re.escape(str(f))}:(\d+): (.+?) \((\S+)\): (.*)$")
    found = [shape.match(line) for line in lines]
    assert all(found), lines
    got = {(m[3], m[2]) for m in found}
    assert {
        ("title", "Judul"),
        ("case", "Kasus SOP"),  # unknown case, reported beside the missing fields
        ("difficulty", "Tingkat kesulitan"),
        ("persona.style", "Gaya persona"),
        ("persona.description", "Deskripsi persona"),
        ("opening[0]", "Kalimat pembuka pelanggan, kalimat ke-1"),
        ("opening[1]", "Kalimat pembuka pelanggan, kalimat ke-2"),
        ("reactions.greeting", "Reaksi greeting"),
        ("reactions.off_topic", "Reaksi off_topic"),  # required, missing
        ("reactions.tertawa", "Reaksi tertawa"),  # unknown reaction
    } <= got
    assert [int(m[1]) for m in found] == sorted(int(m[1]) for m in found)  # in file order
    assert f"{len(lines)} masalah di 1 file" in err


def test_the_editor_and_the_cli_share_the_problems_and_labels(tmp_path, capsys):
    sops = default_sop_library()
    draft = check_draft(SEVERAL, sops=sops, dialogue=load_dialogue_data(sop_library=sops))
    shown = [p.shown for p in draft.problems]
    assert "Deskripsi persona: wajib diisi" in shown
    assert not any(s.startswith(("persona.", "reactions.", "opening")) for s in shown)
    f = tmp_path / "banyak-masalah.yaml"
    f.write_text(SEVERAL, encoding="utf-8")
    cli.main(["validate", str(f)])
    out = capsys.readouterr()[0]
    assert len(out.strip().splitlines()) == len(draft.problems)


def test_validate_flags_a_scenario_id_taken_by_a_file_in_another_folder(tmp_path, capsys):
    from pathlib import Path

    shipped = Path(__file__).resolve().parent.parent / "scenarios" / "library"
    name = "tagihan-jumlah-ibu-sopan.yaml"
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text((shipped / name).read_text(encoding="utf-8"),
                                              encoding="utf-8")
    assert cli.main(["validate", str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    out = capsys.readouterr()[0].strip().splitlines()
    assert out == [f"{tmp_path / 'b' / name}:2: ID skenario (id): 'tagihan-jumlah-ibu-sopan' "
                   f"sudah dipakai skenario lain ({tmp_path / 'a' / name}); pilih ID lain"]


def test_a_taken_id_is_flagged_at_its_field_by_the_check():
    sops = default_sop_library()
    dialogue = load_dialogue_data(sop_library=sops)
    text = set_values(new_scenario_text("tagihan.jumlah"),
                      {("id",): "tagihan-jumlah-ibu-sopan"})
    draft = check_draft(text, sops=sops, dialogue=dialogue, taken={"tagihan-jumlah-ibu-sopan"})
    ids = draft.problems_at("id")
    assert len(ids) == 1 and "sudah dipakai" in ids[0].message
    assert ids[0].shown.startswith("ID skenario: ")


def _texts(elements) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", e.value) for e in elements]


def _run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_editor_blank_is_quiet_then_shows_every_problem_and_a_taken_id(fresh_app_db):
    at = _run(app_as("trainer1", url_path="skenario"))
    at.selectbox(key="sk.new_case").set_value("tagihan.jumlah")
    _run(at)
    at.button(key="sk.b-new").click()
    _run(at)
    assert not at.error  # no five red errors on a blank form
    assert any("Validasi" in i for i in _texts(at.info))
    assert at.button(key="sk.save").disabled

    # the trainer types an id that exists: told at the ID field, before any Save
    at.text_input(key="sk.f.id").input("tagihan-jumlah-ibu-sopan")
    _run(at)
    errors = _texts(at.error)
    assert any(e.startswith("ID skenario: 'tagihan-jumlah-ibu-sopan' sudah dipakai")
               for e in errors), errors
    # and every other problem at once, by its label
    for expected in ("Judul: wajib diisi", "Deskripsi persona: wajib diisi",
                     "Kalimat pembuka pelanggan: minimal satu kalimat",
                     "Reaksi greeting: perlu minimal satu kalimat"):
        assert expected in errors, errors
    assert not any(re.match(r"^(id|title|persona|opening|reactions)[.:\[]", e) for e in errors)
    assert at.button(key="sk.save").disabled


def test_editor_validasi_shows_an_unknown_reaction_beside_the_missing_fields(fresh_app_db):
    at = _run(app_as("trainer1", url_path="skenario"))
    at.selectbox(key="sk.new_case").set_value("tagihan.jumlah")
    _run(at)
    at.button(key="sk.b-new").click()
    _run(at)
    yaml = at.text_area(key="sk.yaml").value
    at.text_area(key="sk.yaml").input(yaml.replace("reactions:", "reactions:\n  tertawa: [Haha]"))
    _run(at)
    errors = _texts(at.error)
    assert any("Reaksi tertawa (reactions.tertawa): reaksi 'tertawa' tidak dikenal" in e
               for e in errors), errors
    assert any("Judul (title): wajib diisi" in e for e in errors), errors


# ---------------------------------------------------------------- issue 10 item 16 (rest)
def test_role_pickers_have_no_english_select_all_row_and_speak_indonesian(fresh_app_db):
    from tests.accounts import user_id

    at = _run(app_as("admin1", url_path="pengguna"))
    new_roles = at.multiselect(key="new_roles")
    uid = user_id("peserta2")
    at.segmented_control(key="users_section").set_value("Ubah pengguna").run()
    at.selectbox(key="users_selected").set_value(uid).run()
    for ms in (new_roles, at.multiselect(key=f"roles_{uid}")):
        # Streamlit's "Select all" row is English only and cannot be translated: hidden
        assert ms.proto.select_all == 0, ms.key
        assert ms.placeholder == "Pilih peran"


def test_content_times_are_written_as_everywhere_else():
    import datetime as dt

    from store.versions import format_time

    at = dt.datetime(2025, 10, 5, 7, 3, tzinfo=dt.UTC)
    assert format_time(at) == "5 Okt 2025 14.03 WIB"
    assert format_time(at.replace(tzinfo=None)) == "5 Okt 2025 14.03 WIB"  # stored naive UTC
