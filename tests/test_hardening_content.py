"""Hostile content refused cheaply (issue 11, item 2): YAML alias bombs, self-referencing
aliases, deep nesting, huge texts and unreadable values in every place YAML from users is read
(files, `cso-trainer validate`, the Skenario editor's YAML tab, the rubric editor, diffs,
imports), and zip archives that lie about their sizes, are corrupt, encrypted, use another
compression or hold one file name twice. Every refusal is a content error `file:line: message`
in Indonesian, found before anything is expanded; the good files still load."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import time
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.content import validate_paths
from scenarios.authoring import check_draft, load_rt, set_values
from scenarios.diff import changed_fields
from scenarios.library import load_dialogue_data, load_scenario_text
from sop.library import load_library, load_sop_text
from sop.yamlfile import MAX_YAML_DEPTH, ContentError, parse_yaml, read_text
from store.content_io import export_texts, import_shipped, unzip_texts, zip_texts

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "cso-trainer"
SCENARIO = ROOT / "scenarios" / "library" / "tagihan-jumlah-ibu-sopan.yaml"

# The probe's file: 9 levels of 9 aliases each, 307 bytes, 9**9 (387 million) strings expanded.
BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
) + "\n"
SELF = "a: &a [*a]\n"
DEEP_BLOCK = "x:\n" + "\n".join(" " * (i + 1) + f"k{i}:" for i in range(900)) + " 1\n"
DEEP_FLOW = "x: " + "[" * 1000 + "]" * 1000 + "\n"

HOSTILE = {
    "alias bomb": (BOMB, 2, "alias YAML (*a0) tidak diizinkan di konten"),
    "self-referencing alias": (SELF, 1, "alias YAML (*a) tidak diizinkan di konten"),
    "900 levels of mappings": (DEEP_BLOCK, MAX_YAML_DEPTH, "YAML terlalu dalam bertingkat"),
    "1000 levels of lists": (DEEP_FLOW, 1, "YAML terlalu dalam bertingkat"),
    "an invalid date": ("id: x\ntanggal: 2020-13-45\n", 2,
                        "YAML tidak valid: nilai '2020-13-45' bukan tanggal"),
    "an integer of 5000 digits": ("id: x\nmax_turns: " + "9" * 5000 + "\n", 2,
                                  "YAML tidak valid: angka terlalu panjang"),
}


def refusal(fn, *args, **kwargs) -> str:
    with pytest.raises(ContentError) as info:
        fn(*args, **kwargs)
    assert len(info.value.problems) == 1
    return str(info.value.problems[0])


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_yaml_is_a_content_error_on_its_line_for_every_loader(case):
    text, line, message = HOSTILE[case]
    assert refusal(parse_yaml, text, "x.yaml").startswith(f"x.yaml:{line}: (yaml): {message}")
    assert refusal(load_scenario_text, text, "x.yaml").startswith(f"x.yaml:{line}: (yaml): ")
    assert refusal(load_sop_text, text, "sop.yaml").startswith(f"sop.yaml:{line}: (yaml): ")
    # the editors' round-trip loader (ruamel), behind the form fields and the rubric editor
    assert refusal(load_rt, text).startswith(f"<editor>:{line}: (yaml): {message}")
    assert refusal(set_values, text, {("title",): "x"}).startswith(f"<editor>:{line}: ")


def test_the_alias_bomb_is_refused_before_anything_is_expanded():
    tracemalloc.start()
    start = time.perf_counter()
    try:
        for fn in (lambda: parse_yaml(BOMB, "bom.yaml"), lambda: load_rt(BOMB),
                   lambda: load_scenario_text(BOMB, "bom.yaml")):
            with pytest.raises(ContentError):
                fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000 and time.perf_counter() - start < 5


def test_aliases_anchors_and_nesting_the_content_needs_still_load():
    # anchors alone are harmless; ordinary nesting of a few levels is what content has
    assert parse_yaml("a: &x [1, {b: [2, {c: 3}]}]\n", "ok.yaml")[0] == {
        "a": [1, {"b": [2, {"c": 3}]}]}
    nested = "x: " + "[" * (MAX_YAML_DEPTH - 1) + "]" * (MAX_YAML_DEPTH - 1) + "\n"
    parse_yaml(nested, "ok.yaml")
    load_rt(nested)
    problems, checked = validate_paths(None)  # every shipped file
    assert problems == [] and checked > 5


def test_validate_reports_each_hostile_file_in_one_line_and_still_checks_the_good_ones(tmp_path):
    for name, (text, _, _) in HOSTILE.items():
        (tmp_path / (name.replace(" ", "-") + ".yaml")).write_text(text, encoding="utf-8")
    r = subprocess.run([str(EXE), "validate", str(tmp_path), str(SCENARIO)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == len(HOSTILE), r.stdout
    bomb = tmp_path / "alias-bomb.yaml"
    assert f"{bomb}:2: (yaml): alias YAML (*a0) tidak diizinkan di konten; tulis isinya " \
           "langsung" in lines
    assert f"{len(HOSTILE)} masalah di {len(HOSTILE) + 1} file" in r.stderr


def test_too_large_texts_and_files_are_refused_unread(tmp_path):
    big = "a: " + "x" * 2_100_000 + "\n"
    assert "(dokumen): teks terlalu besar (2.100.004 karakter; maksimal 2.000.000)" in \
        refusal(parse_yaml, big, "besar.yaml")
    assert "teks terlalu besar" in refusal(load_rt, big)
    huge = tmp_path / "besar.yaml"
    with huge.open("wb") as f:
        f.truncate(50_000_000)  # sparse: a file that claims 50 MB
    assert refusal(read_text, huge) == \
        f"{huge}:1: (file): file terlalu besar (maksimal 8.000.000 byte)"


def test_a_version_diff_with_an_alias_bomb_compares_without_expanding_it():
    good = SCENARIO.read_text(encoding="utf-8")
    start = time.perf_counter()
    changes = changed_fields(good, good + BOMB)
    assert time.perf_counter() - start < 2
    assert len(changes) == 1  # the new text is no data to compare field by field


def test_the_skenario_yaml_tab_refuses_a_pasted_alias_bomb_and_keeps_the_text(fresh_app_db):
    from store.versions import list_versions
    from tests.accounts import database
    from tests.test_scenario_editor import open_in_editor, page, run, texts

    sc = "tagihan-jumlah-ibu-sopan"
    at = open_in_editor(page(), sc)
    typed = at.text_area(key="sk.yaml").value + BOMB
    at.text_area(key="sk.yaml").input(typed)
    start = time.perf_counter()
    run(at)  # no exception, no RecursionError, no minutes of work
    assert time.perf_counter() - start < 20
    errors = texts(at.error)
    assert any("(yaml): alias YAML (*a0) tidak diizinkan di konten" in e for e in errors), errors
    assert at.button(key="sk.save").disabled
    assert at.text_area(key="sk.yaml").value == typed
    at.text_area(key="sk.yaml").input(SELF)
    run(at)
    assert any("baris 1: (yaml): alias YAML (*a) tidak diizinkan" in e for e in texts(at.error))
    assert [v.number for v in list_versions(database(), "scenario", sc)] == [1]


# ---------------------------------------------------------------- zip import
def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name" is what one test wants
        with zipfile.ZipFile(buf, "w", method) as zf:
            for name, data in members.items():
                zf.writestr(zipfile.ZipInfo(name.split("#")[0]), data, compress_type=method)
    return buf.getvalue()


def _patch(data: bytes, *, central: tuple[int, str, int], local: tuple[int, str, int]) -> bytes:
    """Overwrite one field (offset, struct format, value) of every central directory entry
    and local file header."""
    out = bytearray(data)
    for sig, (offset, fmt, value) in ((b"PK\x01\x02", central), (b"PK\x03\x04", local)):
        at = out.find(sig)
        while at >= 0:
            struct.pack_into("<" + fmt, out, at + offset, value)
            at = out.find(sig, at + 4)
    return bytes(out)


def _deflate_bomb(size: int, *, crc: int = 0) -> bytes:
    """A zip of one member holding `size` zero bytes (deflate: about size/1000 stored)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    body = b"".join(comp.compress(chunk) for _ in range(size >> 20)) + comp.flush()
    return _raw_zip("bom.yaml", body, size, crc)


def _raw_zip(name: str, body: bytes, size: int, crc: int) -> bytes:
    """A one-member deflate zip written by hand (zipfile would compress the bytes again)."""
    fname = name.encode()
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), size,
                        len(fname), 0) + fname
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(body),
                          size, len(fname), 0, 0, 0, 0, 0, 0) + fname
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(body), 0)
    return local + body + central + end


def _members_bad(data: bytes) -> list[str]:
    with pytest.raises(ContentError) as info:
        unzip_texts(data, name="impor.zip")
    return [str(p) for p in info.value.problems]


def test_a_zip_member_lying_about_its_size_is_refused_without_decompressing_it():
    lying = _patch(_deflate_bomb(64 << 20), central=(24, "I", 100), local=(22, "I", 100))
    honest = _deflate_bomb(64 << 20)
    tracemalloc.start()
    try:
        lies, claims = _members_bad(lying), _members_bad(honest)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # 64 MB inside; never more than a couple of chunks in memory
    assert lies == ["impor.zip/bom.yaml:1: (file): arsip rusak: isi file tidak cocok dengan "
                    "CRC-nya"]
    assert claims == ["impor.zip/bom.yaml:1: (file): file terlalu besar (maksimal 1.600.000 "
                      "byte)"]


def test_a_zip_member_is_never_decompressed_beyond_the_size_its_header_gives():
    # the header claims 1 MB (under the limit, with the CRC of that 1 MB); 64 MB are inside
    sneaky = _patch(_deflate_bomb(64 << 20, crc=zlib.crc32(bytes(1_000_000))),
                    central=(24, "I", 1_000_000), local=(22, "I", 1_000_000))
    tracemalloc.start()
    try:
        files = unzip_texts(sneaky)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [len(t) for t in files.values()] == [1_000_000] and peak < 8_000_000
    with pytest.raises(ContentError) as info:  # and as content it is refused, not a traceback
        parse_yaml(files["bom.yaml"], "bom.yaml")
    assert str(info.value).startswith("bom.yaml:1: (yaml): YAML tidak valid")


ZIP_CASES = {
    "bad CRC": (lambda: _patch(_zip({"a.yaml": b"id: a\n"}), central=(16, "I", 1),
                               local=(14, "I", 1)),
                "impor.zip/a.yaml:1: (file): arsip rusak: isi file tidak cocok dengan CRC-nya"),
    "encrypted": (lambda: _patch(_zip({"a.yaml": b"id: a\n"}), central=(8, "H", 1),
                                 local=(6, "H", 1)),
                  "impor.zip/a.yaml:1: (file): file terenkripsi (berkata sandi); buat arsip "
                  "tanpa kata sandi"),
    "unknown compression": (lambda: _patch(_zip({"a.yaml": b"id: a\n"}), central=(10, "H", 99),
                                           local=(8, "H", 99)),
                            "impor.zip/a.yaml:1: (file): metode kompresi tidak didukung; "
                            "pakai zip biasa (deflate)"),
    "bzip2": (lambda: _zip({"a.yaml": b"id: a\n"}, zipfile.ZIP_BZIP2),
              "impor.zip/a.yaml:1: (file): metode kompresi tidak didukung; pakai zip biasa "
              "(deflate)"),
    "one name twice": (lambda: _zip({"a.yaml": b"id: a\n", "a.yaml#2": b"id: b\n"}),
                       "impor.zip/a.yaml:1: (file): nama file ganda: a.yaml sudah ada di arsip "
                       "(a.yaml); ganti salah satu namanya"),
    "one name in two folders": (lambda: _zip({"x/a.yaml": b"id: a\n", "y/a.yaml": b"id: b\n"}),
                                "impor.zip/y/a.yaml:1: (file): nama file ganda: a.yaml sudah "
                                "ada di arsip (x/a.yaml); ganti salah satu namanya"),
}


@pytest.mark.parametrize("case", ZIP_CASES, ids=list(ZIP_CASES))
def test_a_bad_zip_member_is_a_content_error_naming_the_file(case):
    make, expected = ZIP_CASES[case]
    assert _members_bad(make()) == [expected]


def test_the_exported_zip_still_imports_whole(db):
    import_shipped(db)
    files = export_texts(db, kind="scenario")
    assert unzip_texts(zip_texts(files)) == files


def test_scenarios_import_of_a_bad_zip_prints_the_problem_and_writes_nothing(tmp_path):
    bad = tmp_path / "rusak.zip"
    bad.write_bytes(ZIP_CASES["bad CRC"][0]())
    env = dict(os.environ, CSO_DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    r = subprocess.run([str(EXE), "scenarios", "import", str(bad)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"{bad}/a.yaml:1: (file): arsip rusak: isi file tidak cocok " \
                               "dengan CRC-nya"


# ---------------------------------------------------------------- fuzz
# YAML texts built from pieces: scalars of every kind the resolver knows (dates, numbers,
# booleans, tags), flow and block collections, anchors and aliases (defined, undefined,
# self-referencing, repeated), and deep nesting; spliced into a real scenario file too.
SCALARS = st.sampled_from([
    "x", "'kutip'", '"dua"', "1", "-7", "0x1f", "1e400", ".nan", "2020-12-08", "2020-13-45",
    "2020-02-30 10:00:00", "true", "null", "~", "!!int abc", "!!float x", "!!binary '@@'",
    "!!timestamp x", "!!python/name:os.system", "!!set {a}", "!!omap [1]", "9" * 5000,
    "tagihan.jumlah", "<<", "'<<'", "|\n  blok", "\"\\u00e9\"", "\t", "? x", "- x", ":",
])
NAMES = st.sampled_from(["a", "b", "c"])


def _node(children):
    def seq(items):
        return "[" + ", ".join(items) + "]"

    def mapping(pairs):
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"

    return st.one_of(
        st.lists(children, max_size=4).map(seq),
        st.lists(st.tuples(st.sampled_from(["id", "case", "k", "<<", "? [1]"]), children),
                 max_size=4).map(mapping),
        st.tuples(NAMES, children).map(lambda t: f"&{t[0]} {t[1]}"),
        NAMES.map(lambda n: f"*{n}"),
        st.tuples(NAMES, st.integers(1, 60)).map(lambda t: "[" * t[1] + f"*{t[0]}" + "]" * t[1]),
    )


NODES = st.recursive(SCALARS | NAMES.map(lambda n: f"*{n}"), _node, max_leaves=30)
DOCS = st.one_of(
    st.lists(st.tuples(st.sampled_from(["id", "case", "title", "opening", "facts", "x", "<<"]),
                       NODES), max_size=6).map(
        lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs)),
    NODES,
    st.tuples(NODES, st.integers(0, 40)).map(
        lambda t: SCENARIO.read_text(encoding="utf-8").replace(
            "\n", f"\nzz{t[1]}: {t[0]}\n", 1)),
)


@pytest.fixture(scope="module")
def content():
    sops = load_library()
    return sops, load_dialogue_data(sop_library=sops)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=DOCS)
@example(text="[!!set {a}]")  # found by this test: difflib cannot match a set in a list
@example(text="a: !!omap [{x: [1]}]\nb: [*a]")
def test_fuzz_the_content_loader_raises_nothing_but_a_content_error(content, text):
    sops, dialogue = content
    for load in (lambda: parse_yaml(text, "f.yaml"),
                 lambda: load_scenario_text(text, "f.yaml", sop_library=sops, dialogue=dialogue),
                 lambda: load_sop_text(text, "f.yaml"),
                 lambda: set_values(text, {("title",): "baru"}),
                 lambda: changed_fields(text, text)):
        try:
            load()
        except ContentError as exc:
            assert all(p.line >= 1 and p.message for p in exc.problems)
    draft = check_draft(text, sops=sops, dialogue=dialogue)  # never raises
    assert draft.ok or draft.problems
