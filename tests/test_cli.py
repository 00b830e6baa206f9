"""The `cso-trainer` command as other tools use it: exit codes, stdout JSON, stderr lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_scoring import FULL

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "cso-trainer"


def run(*args, stdin=None):
    return subprocess.run([str(EXE), *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_validate_all_shipped_content_is_clean():
    r = run("validate")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == ""
    assert "OK" in r.stderr


def test_validate_prints_one_line_per_problem_and_exits_1(tmp_path):
    bad = tmp_path / "rusak.yaml"
    bad.write_text("id: x\ntitle: [tidak ditutup\n", encoding="utf-8")
    r = run("validate", str(bad), str(ROOT / "sop" / "library"))
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{bad}:3: (yaml): YAML tidak valid")


def test_score_file_prints_the_contract(tmp_path):
    f = tmp_path / "a.json"
    f.write_text(json.dumps(FULL["invoice.email.tetap"], indent=2), encoding="utf-8")
    r = run("score", str(f))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["case"] == "invoice.email.tetap" and out["passed"] is True
    # 100 for the SOP criteria of the case and 25 for the service standard
    assert out["score"] == 125.0 and out["max_score"] == 125.0
    ids = [c["id"] for c in out["criteria"]]
    assert ids[0] == "apkt_action" and ids[-4:] == [
        "service_greeting", "service_verification", "service_closing", "service_conduct"]
    assert {c["group"] for c in out["criteria"]} == {"sop", "layanan"}


def test_score_stdin_failing_attempt_still_exits_0():
    data = dict(FULL["tagihan.jumlah"], apkt={"action": "keluhan"})
    r = run("score", "-", stdin=json.dumps(data))
    assert r.returncode == 0
    out = json.loads(r.stdout)
    assert out["passed"] is False and out["critical_failed"] == ["apkt_action"]


def test_score_jsonl_one_result_per_line():
    lines = "\n".join(json.dumps(FULL[c]) for c in sorted(FULL)) + "\n"
    r = run("score", "-", "--jsonl", stdin=lines)
    assert r.returncode == 0, r.stderr
    results = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["case"] for x in results] == sorted(FULL)
    assert all(x["passed"] for x in results)


@pytest.mark.parametrize("text,jsonl,expect", [
    ('{"case": "tagihan.jumlah",\n "customer": {"idpel": "1"},\n "replies": [],\n'
     ' "apkt": {"action": "tutup"}}', False, "<stdin>:4: apkt.action: "),
    ("{not json", False, "<stdin>:1: (json): JSON tidak valid"),
    (json.dumps(FULL["tagihan.jumlah"]) + "\n" + '{"case": "tagihan.jumlah"}\n', True,
     "<stdin>:2: customer: "),
])
def test_score_bad_input_one_line_on_stderr_exit_2(text, jsonl, expect):
    r = run("score", "-", *(["--jsonl"] if jsonl else []), stdin=text)
    assert r.returncode == 2
    assert r.stdout == ""
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(expect), r.stderr


def test_score_missing_file_exit_2(tmp_path):
    r = run("score", str(tmp_path / "tidak-ada.json"))
    assert r.returncode == 2 and "tidak-ada.json:1:" in r.stderr


def test_sop_show_prints_the_steps():
    r = run("sop", "show")
    assert r.returncode == 0
    assert "[4c]" in r.stdout and "Informasi Tagihan Listrik / Pembelian Token" in r.stdout
    assert "invoice.email.tetap" in r.stdout
    r = run("sop", "show", "tidak.ada")
    assert r.returncode == 1 and "tidak ada" in r.stderr
