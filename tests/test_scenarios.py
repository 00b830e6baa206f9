"""Scenario content: the shipped scenarios, precise errors for broken ones, the CLI listing."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import cli
from core.content import validate_paths, validate_text
from scenarios.generator import generate_call
from scenarios.library import load_dialogue_data, load_scenario_text, load_scenarios
from scenarios.models import PLACEHOLDERS, REACTION_PLACEHOLDERS, REACTIONS
from sop.library import load_library
from sop.yamlfile import ContentError

ROOT = Path(__file__).resolve().parent.parent
SOP_DIR = ROOT / "sop" / "library"
SCENARIO_DIR = ROOT / "scenarios" / "library"


@pytest.fixture(scope="module")
def sops():
    lib = load_library([SOP_DIR])
    assert lib.problems == []
    return lib


@pytest.fixture(scope="module")
def shipped(sops):
    return load_scenarios([SCENARIO_DIR], sop_library=sops)


# ---------------------------------------------------------------- the shipped scenarios
def test_every_shipped_scenario_loads_without_problems(shipped):
    assert shipped.problems == []
    files = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    assert sorted(shipped.scenarios) == files
    assert len(shipped) >= 14


def test_validate_checks_the_scenarios_and_finds_nothing_wrong():
    problems, checked = validate_paths([SCENARIO_DIR])
    assert problems == []
    assert checked == len(list(SCENARIO_DIR.glob("*.yaml")))


def test_every_case_of_the_sop_has_at_least_two_scenarios(shipped, sops):
    per_case = Counter(s.case for s in shipped)
    assert set(per_case) == set(sops.case_ids())
    assert min(per_case.values()) >= 2, per_case


def test_personas_and_difficulties_are_all_covered(shipped):
    assert {s.persona.style for s in shipped} == {
        "sopan", "terburu-buru", "lansia-bingung-website", "kesal"}
    assert {s.difficulty for s in shipped} == {"mudah", "sedang", "sulit"}
    assert all(s.status == "aktif" for s in shipped)


def test_fact_variants_are_covered_for_the_cases_that_vary_them(shipped, sops):
    for case_id in ("invoice.email.setuju_web", "website.panduan"):
        variants = {(s.facts.get("has_account", False), s.facts.get("email_used_elsewhere", False))
                    for s in shipped.by_case(case_id)}
        assert (True, False) in variants, case_id
        assert (False, False) in variants, case_id
        assert (False, True) in variants, case_id


def test_customer_lines_have_alternatives_and_fill_from_a_call(shipped, sops):
    dialogue = load_dialogue_data(sop_library=sops)
    for s in shipped:
        assert len(s.opening) >= 2, s.id
        assert len(set(s.opening)) == len(s.opening), s.id
        for name in ("greeting", "off_topic"):
            assert len(s.reactions[name]) >= 2, (s.id, name)
        call = generate_call(s, 3, sop=sops.find_case(s.case)[0])
        values = call.placeholders()
        assert set(values) == set(PLACEHOLDERS)
        lines = [*((x, {}) for x in s.opening),
                 *((x, REACTION_PLACEHOLDERS.get(r, {})) for r, v in s.reactions.items()
                   for x in v)]
        for line, extra in lines:
            filled = line.format_map({**values, **{k: "Rp 1" for k in extra}})
            assert "{" not in filled and filled.strip(), (s.id, line)
    for name in REACTIONS:
        assert name in dialogue.defaults or name in ("greeting", "off_topic")


def test_hints_name_criteria_that_the_case_scores(shipped, sops):
    for s in shipped:
        rubric = sops.find_case(s.case)[1].rubric.criteria
        assert set(s.hints) <= set(rubric), s.id


def test_content_version_changes_with_the_file(sops):
    text = (SCENARIO_DIR / "tagihan-jumlah-ibu-sopan.yaml").read_text(encoding="utf-8")
    a = load_scenario_text(text, "tagihan-jumlah-ibu-sopan.yaml", sop_library=sops)
    b = load_scenario_text(text + "\n# catatan\n", "tagihan-jumlah-ibu-sopan.yaml",
                           sop_library=sops)
    assert a.content_version != b.content_version
    assert len(a.content_version) == 12


# ---------------------------------------------------------------- broken files
GOOD = """\
id: {id}
title: Uji
case: invoice.email.setuju_web
difficulty: mudah
persona:
  style: sopan
  description: Pelanggan uji.
facts:
  has_account: true
opening:
  - Halo, saya mau Invoice lewat email.
reactions:
  greeting: [Halo.]
  off_topic: [Maksudnya apa]
hints:
  website_steps: Pandu langkahnya.
"""

OT = "  off_topic: [Maksudnya apa]"
BROKEN = {
    # file id: (replace this, with this, line, field, words in the message)
    "kasus-salah": ("case: invoice.email.setuju_web", "case: invoice.email.entah", 3, "case",
                    "invoice.email.entah"),
    "fakta-asing": ("  has_account: true", "  punya_kucing: true", 9, "facts.punya_kucing",
                    "tidak dikenal"),
    "fakta-tidak-divariasikan": ("case: invoice.email.setuju_web", "case: invoice.email.tetap", 9,
                                 "facts.has_account", "tidak memvariasikan"),
    "reaksi-asing": (OT, OT + "\n  tertawa: [Haha.]", 15, "reactions.tertawa", "tidak dikenal"),
    "reaksi-sikap-lain": (OT, OT + "\n  website_tetap: [Tidak.]", 15, "reactions.website_tetap",
                          "tidak pernah dipakai"),
    "reaksi-fakta-lain": (OT, OT + "\n  account_no: [Belum.]", 15, "reactions.account_no",
                          "has_account false"),
    "kriteria-asing": ("  website_steps: Pandu", "  kecepatan: Pandu", 16, "hints.kecepatan",
                       "tidak dinilai"),
    "persona-asing": ("  style: sopan", "  style: pemarah", 6, "persona.style", "pemarah"),
    "indentasi": ("persona:\n  style: sopan", "persona:\n  style: sopan\n    gender: pria", 7,
                  "(yaml)", "YAML tidak valid"),
    "placeholder-asing": ("  - Halo, saya mau", "  - Halo {saldo}, saya mau", 11, "opening[0]",
                          "{saldo}"),
    "tingkat-salah": ("difficulty: mudah", "difficulty: gampang", 4, "difficulty", "mudah"),
    "tanpa-off-topic": (OT + "\n", "", 12, "reactions.off_topic", "off_topic"),
}


def _write_broken(folder: Path) -> None:
    (folder / "baik.yaml").write_text(GOOD.format(id="baik"), encoding="utf-8")
    for sid, (old, new, *_rest) in BROKEN.items():
        text = GOOD.format(id=sid)
        assert old in text, sid
        (folder / f"{sid}.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")


def test_broken_files_name_file_line_and_field_and_good_ones_still_load(tmp_path, sops):
    _write_broken(tmp_path)
    lib = load_scenarios([tmp_path], sop_library=sops)
    assert list(lib.scenarios) == ["baik"]
    by_file = {}
    for p in lib.problems:
        by_file.setdefault(Path(p.file).stem, []).append(p)
    assert set(by_file) == set(BROKEN)
    for sid, (_, _, line, field, words) in BROKEN.items():
        matching = [p for p in by_file[sid] if p.field == field]
        assert matching, (sid, [str(p) for p in by_file[sid]])
        p = matching[0]
        assert p.line == line, (sid, str(p))
        assert words in p.message, (sid, str(p))
        where = f"{p.label} ({field})" if p.label else field  # the editor's label first
        assert str(p).startswith(f"{tmp_path / sid}.yaml:{line}: {where}: ")


def test_validate_command_reports_a_broken_scenario(tmp_path, capsys):
    _write_broken(tmp_path)
    rc = cli.main(["validate", str(tmp_path / "kasus-salah.yaml"), str(tmp_path / "baik.yaml")])
    out, err = capsys.readouterr()
    assert rc == 1
    assert out.strip().splitlines() == [
        f"{tmp_path / 'kasus-salah.yaml'}:3: Kasus SOP (case): kasus 'invoice.email.entah' "
        "tidak ada di SOP; "
        "yang ada: invoice.email.setuju_web, invoice.email.tetap, invoice.keluhan.berhenti, "
        "invoice.keluhan.koreksi_email, invoice.keluhan.lainnya, tagihan.jumlah, website.panduan"
    ]
    assert "1 masalah di 2 file" in err


def test_validate_text_dispatches_scenarios_by_their_case_key():
    problems = validate_text(GOOD.format(id="x").replace("style: sopan", "style: ramah"), "x")
    assert [(p.line, p.field) for p in problems] == [(6, "persona.style")]


def test_file_name_must_be_the_scenario_id(tmp_path, sops):
    f = tmp_path / "nama-lain.yaml"
    f.write_text(GOOD.format(id="baik"), encoding="utf-8")
    lib = load_scenarios([tmp_path], sop_library=sops)
    assert not lib.scenarios
    assert [(p.line, p.field) for p in lib.problems] == [(1, "id")]
    assert "nama-lain" in lib.problems[0].message


def test_duplicate_ids_across_folders_are_reported_once_loaded(tmp_path, sops):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for folder in (a, b):
        (folder / "sama.yaml").write_text(GOOD.format(id="sama"), encoding="utf-8")
    lib = load_scenarios([a, b], sop_library=sops)
    assert list(lib.scenarios) == ["sama"]
    assert len(lib.problems) == 1
    assert lib.problems[0].file == str(b / "sama.yaml")
    assert "sudah dimuat" in lib.problems[0].message


def test_email_used_elsewhere_needs_a_customer_without_account(sops):
    text = GOOD.format(id="x").replace("  has_account: true",
                                       "  has_account: true\n  email_used_elsewhere: true")
    with pytest.raises(ContentError) as exc:
        load_scenario_text(text, "x", sop_library=sops)
    assert [(p.line, p.field) for p in exc.value.problems] == [(10, "facts.email_used_elsewhere")]


# ---------------------------------------------------------------- CLI
def test_cli_scenarios_json_lists_every_scenario(capsys, shipped):
    assert cli.main(["scenarios", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert sorted(r["id"] for r in rows) == sorted(shipped.scenarios)
    for r in rows:
        s = shipped.get(r["id"])
        assert r["case"] == s.case and r["difficulty"] == s.difficulty
        assert r["facts"] == s.facts and r["persona"] == s.persona.style


def test_cli_scenarios_text_has_one_line_per_scenario(capsys, shipped):
    assert cli.main(["scenarios"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(shipped)
    first = lines[0].split("\t")
    assert first[0] in shipped.scenarios and first[1] == shipped.get(first[0]).case


def test_cli_generate_prints_one_call_per_seed(capsys, shipped, sops):
    assert cli.main(["generate", "--scenario", "invoice-tetap-kesal", "--seed", "41",
                     "--count", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    calls = [json.loads(x) for x in lines]
    assert [c["seed"] for c in calls] == [41, 42, 43]
    scenario = shipped.get("invoice-tetap-kesal")
    sop = sops.find_case(scenario.case)[0]
    for c in calls:
        assert len(c["idpel"]) == 12 and c["case"] == "invoice.email.tetap"
        assert c == generate_call(scenario, c["seed"], sop=sop).to_dict()


def test_cli_generate_unknown_scenario_exits_2_naming_the_known_ones(capsys):
    assert cli.main(["generate", "--scenario", "tidak-ada", "--seed", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "skenario 'tidak-ada' tidak ada" in err and "invoice-tetap-kesal" in err


def test_cli_generate_rejects_a_negative_seed(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["generate", "--scenario", "invoice-tetap-kesal", "--seed", "-3"])
    assert exc.value.code == 2
    assert "--seed" in capsys.readouterr().err
