"""The app shell and the SOP knowledge-base page, run in AppTest (no browser, no server)."""

from __future__ import annotations

import os
import re

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from sop.library import load_library
from tests.accounts import app_as
from tests.e2e import ROOT
from views.pages import PageSpec, specs_for
from views.state import _database

SHIPPED = ROOT / "sop" / "library" / "pln123_tagihan_invoice.yaml"
TEXT_4C = 'Cek pada bagian paling bawah Menu: "Informasi Tagihan Listrik / Pembelian Token"'


# ---- helpers to read the element tree ----
def walk(node):
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from walk(child)


def plain(markdown: str) -> str:
    """Markdown as a reader sees it: escapes removed, whitespace collapsed."""
    return " ".join(re.sub(r"\\(.)", r"\1", markdown).split())


def tab(at: AppTest, label: str):
    return next(t for t in at.tabs if t.label == label)


def card(at: AppTest, step_id: str):
    """The bordered container of a step: the block whose first element has its anchor."""
    anchor = f"langkah-{step_id}"
    for node in walk(tab(at, "Langkah")):
        kids = list((getattr(node, "children", None) or {}).values())
        if kids and kids[0].type == "subheader" and kids[0].proto.anchor == anchor:
            return node
    raise AssertionError(f"no card with anchor {anchor}")


def of_type(node, kind: str) -> list:
    return [n for n in walk(node) if getattr(n, "type", None) == kind]


def run_app() -> AppTest:
    at = app_as("peserta1")  # signed in as a trainee (tests/accounts.py)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def fresh_library(fresh_app_db):
    """A test that changes CSO_SOP_PATH: a database of its own, into which the app imports
    the SOP files of that path as it starts (the pages read the database's versions)."""
    _database.clear()
    yield
    _database.clear()


# ---- the page as it opens ----
def test_app_opens_on_the_sop_page(app, shipped_sop):
    assert not app.exception
    assert app.title[0].value == "Basis Pengetahuan SOP"
    assert app.selectbox(key="sop_id").value == shipped_sop.id
    assert app.header[0].value == shipped_sop.title
    caption = plain(app.caption[0].value)
    assert "Divisi Pemasaran dan Pelayanan Pelanggan PLN Pusat" in caption
    assert "8 Desember 2020" in caption
    assert [t.label for t in app.tabs] == [
        "Langkah", "Diagram alur", "Teks asli", "Glosarium", "Asumsi pelatihan",
    ]  # fmt: skip


def test_every_step_is_a_card_with_its_id_and_verbatim_text(app, shipped_sop):
    for step, _parent in shipped_sop.all_steps():
        box = card(app, step.id)
        heading = plain(of_type(box, "subheader")[0].value)
        assert heading.startswith(f"Langkah {step.id}") or heading.startswith(step.id)
        assert step.text in [t.value for t in of_type(box, "text")], step.id
    assert TEXT_4C in [t.value for t in of_type(card(app, "4c"), "text")]


def test_sub_steps_are_nested_inside_their_step(app):
    anchors = {s.proto.anchor for s in of_type(card(app, "4"), "subheader")}
    assert {"langkah-4a", "langkah-4c", "langkah-4j", "langkah-4-email-used"} <= anchors
    assert "langkah-4c" not in {s.proto.anchor for s in of_type(card(app, "1"), "subheader")}


def test_each_case_shows_its_expected_apkt_action_on_its_step(app, shipped_sop):
    for case in shipped_sop.cases:
        texts = [plain(m.value) for m in of_type(card(app, case.sop_step), "markdown")]
        line = next((t for t in texts if case.id in t), None)
        assert line, f"case {case.id} not shown on step {case.sop_step}"
        assert shipped_sop.action_label(case.expected.action) in line
        if case.expected.sub_issue_type:
            assert shipped_sop.sub_issue_label(case.expected.sub_issue_type) in line


def test_training_assumption_is_a_marked_warning_never_sop_text(app, shipped_sop):
    assumption = shipped_sop.assumptions[0]
    words = " ".join(assumption.text.split())
    for step_id in ("1", "4"):  # the steps whose APKT handling the SOP does not give
        warnings = [plain(w.value) for w in of_type(card(app, step_id), "warning")]
        assert any(
            w.startswith("**Asumsi pelatihan — bukan teks SOP.**") and words in w for w in warnings
        ), step_id
    assert not of_type(card(app, "2a"), "warning")  # 2a is SOP text: Issue Closed is given
    # the assumption never appears as SOP text
    assert all(words not in t.value for t in app.text)
    # and the assumptions tab lists it with the cases it applies to
    box = tab(app, "Asumsi pelatihan")
    assert any(words in plain(w.value) for w in of_type(box, "warning"))
    listed = " ".join(plain(m.value) for m in of_type(box, "markdown"))
    assert "tagihan.jumlah" in listed and "website.panduan" in listed


def test_the_service_standard_is_marked_as_training_standard_apart_from_sop_text(app,
                                                                               shipped_sop):
    from sop.groups import SERVICE_MARK

    box = app.get_by_key("sop-layanan")  # in the assumptions tab, not among the SOP steps
    assert any(node is box for node in walk(tab(app, "Asumsi pelatihan")))
    assert any(plain(w.value).startswith(f"**{SERVICE_MARK}**") for w in box.warning)
    table = of_type(box, "table")[0].value
    assert list(table["Kriteria"]) == [shipped_sop.criteria[c].label
                                       for c in shipped_sop.service_standard.criteria]
    assert table.set_index("Kriteria").loc[
        shipped_sop.criteria["service_conduct"].label, "Kritis"].startswith("ya")
    assert all("Standar layanan" not in t.value for t in of_type(tab(app, "Langkah"), "text"))


def test_flowchart_dot_names_every_case_and_its_action(app, shipped_sop):
    charts = of_type(tab(app, "Diagram alur"), "graphviz_chart")
    assert len(charts) == 2
    dot = charts[0].proto.spec
    assert dot.startswith("digraph") and dot.count("{") == dot.count("}")
    flat = " ".join(dot.replace("\\n", " ").split())
    for case in shipped_sop.cases:
        assert shipped_sop.action_label(case.expected.action) in flat, case.id
        assert case.flow_label in flat, case.id
        if case.expected.sub_issue_type:
            assert shipped_sop.sub_issue_label(case.expected.sub_issue_type) in flat
    assert flat.count("(asumsi pelatihan)") == 2  # tagihan.jumlah and website.panduan
    website = charts[1].proto.spec
    for step_id in ("4a", "4b", "4c", "4d", "4e", "4f", "4g", "4h", "4i", "4j"):
        assert f'"{step_id}"' in website
    assert "Pelanggan sudah\\nmemiliki akun?" in website


def test_source_text_is_shown_verbatim_not_as_markdown(app, shipped_sop):
    code = of_type(tab(app, "Teks asli"), "code")
    assert [c.value for c in code] == [shipped_sop.source.text]
    assert "### STANDAR OPERASIONAL PROSEDUR CSO PLN 123" in code[0].value
    assert all("STANDAR OPERASIONAL" not in m.value for m in app.markdown)


def test_glossary_is_a_table_of_terms(app, shipped_sop):
    table = of_type(tab(app, "Glosarium"), "table")[0].value
    assert list(table["Istilah"]) == [g.term for g in shipped_sop.glossary]
    row = table[table["Istilah"] == "APKT"].iloc[0]
    assert row["Arti"].startswith("Aplikasi Pengaduan dan Keluhan Terpadu")


# ---- search ----
def test_search_with_a_typo_links_to_the_step_and_highlights_it(app):
    app.text_input(key="sop_query").input("pelayanan pelangan").run()
    assert not app.exception
    results = " ".join(m.value for m in app.markdown)
    assert "[**Langkah 4b**](#langkah-4b)" in results
    assert 'Pilih Menu\\: "Pelayanan Pelanggan"' in results
    badges = [m for m in app.markdown if "Hasil pencarian]" in m.value]
    assert len(badges) == 1
    assert badges[0] in of_type(card(app, "4b"), "markdown")
    assert app.session_state["sop_tab"] == "Langkah"  # the steps tab is brought forward


def test_search_finds_a_glossary_term(app):
    app.text_input(key="sop_query").input("apkt").run()
    first = next(m.value for m in app.markdown if m.value.startswith("1. "))
    assert first.startswith("1. **APKT** (glosarium)")
    assert "Aplikasi Pengaduan dan Keluhan Terpadu" in first


def test_search_without_result_says_so(app):
    app.text_input(key="sop_query").input("qwxyz zzqv").run()
    assert any("Tidak ada langkah atau istilah yang cocok" in i.value for i in app.info)
    assert not [m for m in app.markdown if "Hasil pencarian]" in m.value]


# ---- more SOP files ----
def test_broken_sop_file_is_reported_and_the_good_one_still_shows(
    tmp_path, monkeypatch, fresh_library, shipped_sop
):
    bad = tmp_path / "rusak.yaml"
    bad.write_text(
        SHIPPED.read_text(encoding="utf-8").replace("date: 2020-12-08", "date: besok"),
        encoding="utf-8",
    )
    monkeypatch.setenv("CSO_SOP_PATH", str(tmp_path))
    expected = load_library([tmp_path]).problems
    assert expected and expected[0].field == "date"
    monkeypatch.setenv("CSO_SOP_PATH", os.pathsep.join([str(tmp_path), str(SHIPPED.parent)]))

    at = run_app()
    assert at.expander[0].label == "1 masalah pada berkas SOP"
    problem = expected[0]
    assert f"{problem.file}:{problem.line}: date: " in " ".join(t.value for t in at.text)
    assert at.header[0].value == shipped_sop.title


def test_a_second_sop_file_can_be_chosen(tmp_path, monkeypatch, fresh_library):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["id"], data["title"] = "contoh.kedua", "SOP Contoh Kedua"
    for case in data["cases"]:
        case["id"] = "kedua." + case["id"]
    for assumption in data["assumptions"]:
        assumption["cases"] = ["kedua." + c for c in assumption["cases"]]
    (tmp_path / "kedua.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    monkeypatch.setenv("CSO_SOP_PATH", os.pathsep.join([str(SHIPPED.parent), str(tmp_path)]))

    at = run_app()
    assert not at.expander  # both files load
    box = at.selectbox(key="sop_id")
    assert sorted(box.options) == [  # as the database lists them: by SOP id
        "Informasi Tagihan Rekening Listrik & Invoice Melalui CC PLN 123 & Website PLN",
        "SOP Contoh Kedua",
    ]
    box.select("contoh.kedua").run()
    assert at.header[0].value == "SOP Contoh Kedua"
    assert "kedua.tagihan.jumlah" in " ".join(m.value for m in of_type(card(at, "1"), "markdown"))


def test_no_sop_at_all_gives_a_clear_message(tmp_path, monkeypatch, fresh_library):
    monkeypatch.setenv("CSO_SOP_PATH", str(tmp_path))
    at = run_app()
    assert "Belum ada SOP yang dapat dimuat" in at.error[0].value


# ---- the page registry ----
def _navigation_script():
    import streamlit as st

    from views.pages import pages_for

    for roles in ({"trainee"}, {"qa", "admin"}, set()):
        sections = pages_for(roles)
        st.text(repr([(name, [p.title for p in ps]) for name, ps in sections.items()]))


def test_pages_are_filtered_by_role():
    trainer_only = PageSpec(
        "Skenario", ":material/edit:", "views.x:render", "skenario",
        frozenset({"trainer"}), section="Trainer",
    )  # fmt: skip
    assert specs_for({"trainee"}, [trainer_only]) == []
    assert specs_for({"trainer", "qa"}, [trainer_only]) == [trainer_only]

    at = AppTest.from_function(_navigation_script, default_timeout=60).run()
    trainee, staff, nobody = (t.value for t in at.text)
    assert trainee.startswith("[('Pengetahuan', ['SOP'])")
    assert "'QA'" not in trainee and "'Pengguna'" not in trainee
    assert "('QA', ['QA'])" in staff and "('Admin', ['Pengguna'])" in staff
    assert nobody == "[]"


def test_sop_page_is_registered_for_every_role():
    for role in ("trainee", "trainer", "qa", "admin"):
        assert [s.title for s in specs_for({role})][0] == "SOP", role
