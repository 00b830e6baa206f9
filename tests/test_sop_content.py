"""The SOP as data: the shipped file, precise errors for broken files, more SOPs as files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from core.content import validate_paths
from scoring.scorer import Scorer
from sop.library import load_library

LIB_DIR = Path(__file__).resolve().parent.parent / "sop" / "library"
SHIPPED = LIB_DIR / "pln123_tagihan_invoice.yaml"
CANONICAL_STEPS = ["1", "1a", "1b", "2", "2a", "2b", "3", "4", "4a", "4b", "4c", "4d", "4e",
                   "4f", "4g", "4h", "4i", "4j", "4-email-used", "4-info-tagihan"]
CANONICAL_CASES = {
    "tagihan.jumlah": ("issue_closed", None),
    "invoice.email.setuju_web": ("issue_closed", None),
    "invoice.email.tetap": ("forward_unit", None),
    "invoice.keluhan.koreksi_email": ("keluhan", "koreksi_email_invoice"),
    "invoice.keluhan.berhenti": ("keluhan", "berhenti_langganan_invoice"),
    "invoice.keluhan.lainnya": ("keluhan", "lainnya_invoice"),
    "website.panduan": ("issue_closed", None),
}


@pytest.fixture(scope="module")
def sop():
    lib = load_library([LIB_DIR])
    assert lib.problems == []
    return lib.sops["pln123.tagihan_invoice"]


def test_canonical_ids(sop):
    assert [s.id for s, _ in sop.all_steps()] == CANONICAL_STEPS
    assert {c.id: (c.expected.action, c.expected.sub_issue_type) for c in sop.cases} == (
        CANONICAL_CASES
    )
    assert [a.id for a in sop.apkt_actions] == ["none", "issue_closed", "forward_unit", "keluhan"]
    assert [s.id for s in sop.sub_issue_types] == [
        "koreksi_email_invoice", "berhenti_langganan_invoice", "lainnya_invoice"]


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>|\*\*", "", text)
    text = re.sub(r"^#+\s*|^\s*-\s+(\d+\.\s+|[a-j]\.\s+)?", " ", text, flags=re.M)
    text = re.sub(r"^\s*[a-j]\.\s+", " ", text, flags=re.M)
    return " ".join(text.split())


def test_every_step_text_is_verbatim_from_the_source(sop):
    source = _plain(sop.source.text)
    for step, _ in sop.all_steps():
        assert _plain(step.text) in source, step.id


def test_assumptions_are_marked_and_not_sop_text(sop):
    assumed = {c.id for c in sop.cases if c.expected.assumption}
    assert assumed == {"tagihan.jumlah", "website.panduan"}
    a = sop.assumption("apkt_kontak_selesai")
    assert set(a.cases) == assumed
    assert _plain(a.text) not in _plain(sop.source.text)


def test_every_case_has_a_rubric_summing_to_a_positive_weight(sop):
    for case in sop.cases:
        assert case.rubric.criteria["apkt_action"].critical
        assert 0 < case.rubric.pass_mark <= 100
        if case.expected.sub_issue_type:
            assert case.rubric.criteria["sub_issue_type"].critical
        if case.id.startswith("invoice.email."):  # SOP 2a: the website is offered first
            assert case.rubric.criteria["website_offered_first"].critical
        assert sum(c.weight for c in case.rubric.criteria.values()) == 100


def test_service_standard_applies_to_every_case_after_its_sop_criteria(sop):
    # A training standard, not SOP text: shipped non-critical except unprofessional language.
    assert "bukan teks SOP" in sop.service_standard.note
    shipped = {cid: (rc.weight, rc.critical) for cid, rc in sop.service_standard.criteria.items()}
    assert shipped == {"service_greeting": (5, False), "service_verification": (5, False),
                       "service_closing": (5, False), "service_conduct": (10, True)}
    for case in sop.cases:
        ids = list(sop.rubric_for(case))
        assert ids == [*case.rubric.criteria, *shipped], case.id


BROKEN = {
    "indent.yaml": ("id: x\ntitle: t\n  issuer: bad indent\n", 3, "(yaml)"),
    "unknown_field.yaml": (None, None, "cases[0].rubric.criteria.apkt_action.wieght"),
    "bad_action.yaml": (None, None, "cases[2].expected.action"),
    "bad_step.yaml": (None, None, "cases[0].sop_step"),
    "bad_criterion.yaml": (None, None, "cases[1].rubric.criteria.kecepatan"),
}


def _mutated(name: str) -> str:
    text = SHIPPED.read_text(encoding="utf-8").replace("pln123.tagihan_invoice", f"x.{name}")
    text = re.sub(r"- id: (tagihan|invoice|website)\.", r"- id: \1_" + name[:3] + ".", text)
    text = re.sub(r"cases: \[tagihan\.jumlah, website\.panduan\]",
                  f"cases: [tagihan_{name[:3]}.jumlah, website_{name[:3]}.panduan]", text)
    if name == "unknown_field.yaml":
        text = text.replace("apkt_action: {weight: 30, critical: true, sop_ref: \"1\"}",
                            "apkt_action: {wieght: 30, critical: true, sop_ref: \"1\"}", 1)
    elif name == "bad_action.yaml":
        text = text.replace("expected: {action: forward_unit", "expected: {action: teruskan", 1)
    elif name == "bad_step.yaml":
        text = text.replace('sop_step: "1"', 'sop_step: "9z"', 1)
    elif name == "bad_criterion.yaml":
        text = text.replace("website_offered_first: {weight: 25, critical: true}",
                            "kecepatan: {weight: 25, critical: true}", 1)
    return text


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture
def content_dir(tmp_path):
    shutil.copy(SHIPPED, tmp_path / SHIPPED.name)
    for name, (text, _, _) in BROKEN.items():
        (tmp_path / name).write_text(text if text is not None else _mutated(name),
                                     encoding="utf-8")
    return tmp_path


def test_broken_files_name_file_line_and_field_and_good_files_still_load(content_dir):
    lib = load_library([content_dir])
    assert list(lib.sops) == ["pln123.tagihan_invoice"]
    by_file = {Path(p.file).name: p for p in lib.problems}
    assert set(by_file) == set(BROKEN)
    for name, (_, line, field) in BROKEN.items():
        p = by_file[name]
        assert p.field == field, (name, str(p))
        text = (content_dir / name).read_text(encoding="utf-8")
        expected_line = line or _line_of(text, {
            "unknown_field.yaml": "wieght",
            "bad_action.yaml": "action: teruskan",
            "bad_step.yaml": 'sop_step: "9z"',
            "bad_criterion.yaml": "kecepatan:",
        }[name])
        assert p.line == expected_line, str(p)
        assert str(p).startswith(f"{content_dir / name}:{expected_line}: {field}: ")


def test_validate_reports_every_problem_once_per_line(content_dir):
    problems, checked = validate_paths([content_dir])
    assert checked == 1 + len(BROKEN)
    assert {Path(p.file).name for p in problems} == set(BROKEN)


def test_a_second_sop_is_just_another_file(tmp_path):
    shutil.copy(SHIPPED, tmp_path / SHIPPED.name)
    second = _mutated("dua.yaml").replace("title: Informasi Tagihan", "title: SOP Kedua", 1)
    (tmp_path / "dua.yaml").write_text(second, encoding="utf-8")
    lib = load_library([tmp_path])
    assert lib.problems == [] and len(lib.sops) == 2
    assert "tagihan_dua.jumlah" in lib.case_ids()
    r = Scorer(lib).score_data({
        "case": "tagihan_dua.jumlah",
        "customer": {"idpel": "532100123456", "bill_amount": 1000},
        "replies": ["Selamat siang, dengan Sari dari PLN 123.", "Boleh sebutkan IDPEL Bapak?",
                    "Tagihannya Rp 1.000, cek juga di PLN Mobile",
                    "Terima kasih telah menghubungi PLN 123."],
        "apkt": {"action": "issue_closed"},
    })
    # The SOP criteria (100) and the service standard (25) of the second file score as shipped.
    assert r.passed and r.score == r.max_score == 125.0


def test_duplicate_case_ids_across_files_are_reported(tmp_path):
    shutil.copy(SHIPPED, tmp_path / "a.yaml")
    text = SHIPPED.read_text(encoding="utf-8").replace("id: pln123.tagihan_invoice", "id: lain")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    lib = load_library([tmp_path])
    assert len(lib.sops) == 1
    assert "sudah dipakai" in lib.problems[0].message
