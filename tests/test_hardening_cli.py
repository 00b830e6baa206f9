"""The command line with hostile or wrong input (issue 11, item 7): every bad input is one line
on stderr and exit 2, never a traceback; a reader that goes away (`| head`) ends it quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scoring_data import FULL

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "cso-trainer"


def run(*args, stdin=None, db=None):
    env = dict(os.environ)
    if db is not None:
        env["CSO_DATABASE_URL"] = db
    return subprocess.run([str(EXE), *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=180, env=env)


def one_line(r) -> str:
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def attempt(**changes) -> str:
    return json.dumps(dict(FULL["tagihan.jumlah"], **changes))


@pytest.mark.parametrize("text,jsonl,expect", [
    ("[" * 100_000 + "]" * 100_000, False, "<stdin>:1: (json): JSON tidak valid: JSON terlalu "
                                           "dalam bertingkat"),
    (attempt()[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}", False,
     "<stdin>:1: (json): JSON tidak valid: JSON terlalu dalam bertingkat"),
    ('{"case": ' + "1" * 5000 + "}", False, "<stdin>:1: (json): JSON tidak valid: angka terlalu "
                                           "panjang"),
    (attempt() + "\n" + attempt()[:-1] + ', "n": ' + "7" * 5000 + "}\n", True,
     "<stdin>:2: (json): JSON tidak valid: angka terlalu panjang"),
])
def test_score_deep_json_and_huge_integers_are_one_line_exit_2(text, jsonl, expect):
    r = run("score", "-", *(["--jsonl"] if jsonl else []), stdin=text)
    assert r.returncode == 2 and r.stdout == ""
    assert one_line(r) == expect


def test_score_a_reply_with_thousands_of_digits_is_scored_not_a_crash():
    data = json.loads(attempt())
    data["replies"] = ["Tagihannya Rp " + "9" * 5000, "Rp 1," + "5" * 3000 + " juta",
                       *data["replies"]]
    r = run("score", "-", stdin=json.dumps(data))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["case"] == "tagihan.jumlah"


def test_score_into_a_closed_pipe_ends_quietly(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text("\n".join([attempt()] * 40) + "\n", encoding="utf-8")
    p = subprocess.Popen([str(EXE), "score", "--jsonl", str(f)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=ROOT)
    p.stdout.close()  # as `| head` does once it has its lines
    err = p.stderr.read().decode()
    assert p.wait(timeout=180) == 141  # 128 + SIGPIPE, as other command-line tools end
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception" not in err, err


@pytest.mark.parametrize("weeks", ["-1", "0", "1000000"])
def test_demo_data_weeks_out_of_range_is_refused_before_writing(tmp_path, weeks):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    r = run("demo-data", "--attempts", "5", "--weeks", weeks, db=url)
    assert r.returncode == 2 and one_line(r) == "demo-data: weeks: harus 1..520"
    listed = run("users", "list", "--json", db=url)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []  # no demo trainee made


def test_a_bad_argument_is_one_line_exit_2():
    r = run("demo-data", "--attempts", "5", "--weeks", "banyak")
    assert r.returncode == 2
    assert one_line(r) == "cso-trainer demo-data: argument --weeks: invalid int value: 'banyak'"


@pytest.mark.parametrize("args", [
    ["export", "--format", "csv"],
    ["export", "--format", "xlsx"],
    ["scenarios", "export"],
])
def test_export_to_an_unwritable_path_exits_2(tmp_path, args):
    blocker = tmp_path / "berkas"
    blocker.write_text("bukan folder", encoding="utf-8")
    out = blocker / "keluar.zip"  # a folder that is a file: nothing can be written there
    url = f"sqlite:///{tmp_path / 'x.db'}"
    r = run(*args, *(["--out", str(out)] if args[0] == "export" else [str(out)]), db=url)
    assert r.returncode == 2, r.stderr
    assert f"{out}: tidak dapat ditulis: " in one_line(r)
