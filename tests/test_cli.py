"""The `cso-trainer` command as other tools use it: exit codes, stdout JSON, stderr lines.

The commands run in this process through `cli.main` (stdin, stdout and stderr swapped for the
call, SystemExit taken as the exit status); one smoke test runs the installed command."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import cli
from tests.scoring_data import FULL

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "cso-trainer"


@dataclass(frozen=True)
class Ran:
    """What a process running the command would show (subprocess.CompletedProcess's fields)."""

    returncode: int
    stdout: str
    stderr: str


def run(*args: str, stdin: str | None = None) -> Ran:
    """`cso-trainer ARGS` with `stdin` as standard input, in this process, from the repo root."""
    out, err = io.StringIO(), io.StringIO()
    with (contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
          _stdin(stdin or "")):
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # as the interpreter turns it into an exit status
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
    return Ran(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(text: str):
    saved, sys.stdin = sys.stdin, io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def test_the_installed_command_runs_as_a_process():
    """Smoke test of the entry point: arguments, stdin, stdout, stderr and the exit status."""
    r = subprocess.run([str(EXE), "score", "-"], input=json.dumps(FULL["tagihan.jumlah"]),
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["passed"] is True
    assert "dinilai dengan rubrik" in r.stderr
    r = subprocess.run([str(EXE), "tidak-ada"], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


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
