"""Demo data: realistic attempts (real calls, real dialogue, real scorer), a mix of passes and
failures spread over weeks, trainees of different skill; `cso-trainer demo-data`."""

from __future__ import annotations

import random
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

import cli
from scenarios.generator import generate_call
from scenarios.practice import call_date
from scenarios.simulate import SimTrainee, cso_script, simulate
from services.demo import seed_demo_attempts, seed_first_start
from store import Database, StoreError, count_attempts, list_users
from store.access import Requester
from store.dashboard import dashboard
from store.models import Attempt, AttemptFact, CriterionFact
from store.reviews import scoring_input
from tests.qa_data import END, content

QA = Requester.of(0, {"qa"})


def test_simulated_attempts_are_real_calls_scored_by_the_real_scorer():
    c = content()
    attempts = list(simulate(c, [SimTrainee(1, 0.6, 0.02)], 60, seed=9, end=END))
    for a in attempts:
        scenario = c.scenarios.get(a["scenario_id"])
        call = generate_call(scenario, a["seed"], sop=c.library.find_case(a["case_id"])[0],
                             as_of=call_date(a["started_at"]))  # the months of its day
        assert a["call"] == call.to_dict()  # the stored data panel is that seed's call
        roles = [t["role"] for t in a["transcript"]]
        assert roles[0] == "pelanggan" and "cso" in roles
        again = c.scorer.score_data(scoring_input(a["call"], a["transcript"], a["apkt"],
                                                  a["case_id"]))
        assert again.to_dict() == a["result"]
        assert a["started_at"] < a["finished_at"] <= END + timedelta(minutes=10)
    assert len({a["case_id"] for a in attempts}) == 7  # every case of the SOP


def test_a_skilled_trainee_passes_and_a_weak_one_fails_more_often():
    c = content()

    def pass_rate(skill):
        xs = list(simulate(c, [SimTrainee(1, skill, 0.0)], 150, seed=4, end=END))
        return sum(a["passed"] for a in xs) / len(xs)

    strong, weak = pass_rate(0.95), pass_rate(0.3)
    assert strong >= 0.9
    assert 0.2 <= weak <= 0.75
    assert weak < strong - 0.2


def test_weak_replies_leave_things_out_make_typos_and_pick_wrong_actions():
    c = content()
    scenario = c.scenarios.by_case("invoice.email.tetap")[0]
    sop = c.library.find_case("invoice.email.tetap")[0]

    perfect = cso_script(generate_call(scenario, 1, sop=sop), 1.0, random.Random(1))
    assert any("www.pln.co.id" in r for r in perfect[0]) and perfect[1]["action"] == "forward_unit"
    wrong_actions, missing_web = 0, 0
    for seed in range(200):
        replies, apkt = cso_script(generate_call(scenario, seed, sop=sop), 0.2,
                                   random.Random(seed))
        wrong_actions += apkt["action"] != "forward_unit"
        missing_web += not any("www.pln.co.id" in r for r in replies)
    assert 20 < wrong_actions < 150 and 20 < missing_web < 190


def test_demo_data_fills_the_dashboards_over_several_weeks(db):
    n = seed_demo_attempts(db, 250, trainees=6, weeks=6, end=END, batch=100)
    assert n == 250 == count_attempts(db, requester=QA)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AttemptFact)) == 250
        assert s.scalar(select(func.count()).select_from(CriterionFact)) >= 250 * 2
        first, last = s.execute(select(func.min(Attempt.finished_at),
                                       func.max(Attempt.finished_at))).one()
    assert last - first > timedelta(weeks=4)
    d = dashboard(db, requester=QA)
    assert 0.3 < d.totals["passed"] / d.totals["attempts"] < 0.95
    assert len(d.weekly) == 6 and len(d.by_trainee) == 6 and len(d.by_case) == 7
    assert d.by_trainee["pass_rate"].max() - d.by_trainee["pass_rate"].min() > 15
    assert all(w.weekday() == 0 for w in d.weekly["week"])
    # working days and hours (WIB)
    with db.session() as s:
        times = [t.astimezone(UTC) + timedelta(hours=7)
                 for t in s.scalars(select(Attempt.started_at))]
    assert all(t.weekday() < 6 and 8 <= t.hour < 17 for t in times)
    trainees = list_users(db, role="trainee")
    assert len(trainees) == 6 and all(u.password_hash is None for u in trainees)

    # a second run adds attempts for the same demo trainees
    seed_demo_attempts(db, 20, trainees=6, seed=2, end=END)
    assert count_attempts(db, requester=QA) == 270 and len(list_users(db, role="trainee")) == 6


def test_first_start_seeds_once_and_gives_the_demo_logins_attempts(db):
    from store import create_user

    peserta = create_user(db, username="peserta1", display_name="Dewi", roles=["trainee"])
    assert seed_first_start(db, 60) == 60
    assert seed_first_start(db, 60) == 0  # already has attempts: nothing added
    mine = count_attempts(db, requester=peserta.requester)
    assert 0 < mine < 60


def test_bad_demo_sizes_are_refused(db):
    with pytest.raises(StoreError) as err:
        seed_demo_attempts(db, 0)
    assert err.value.field == "attempts"
    with pytest.raises(StoreError) as err:
        seed_demo_attempts(db, 5, trainees=0)
    assert err.value.field == "trainees"


def test_cli_demo_data_shows_progress_on_stderr(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("CSO_DATABASE_URL", url)
    assert cli.main(["demo-data", "--attempts", "120", "--trainees", "4"]) == 0
    err = capsys.readouterr().err
    assert "data demo: 0% (0/120)" in err and "100% (120/120)" in err
    assert "OK: 120 percobaan demo dari 4 peserta demo" in err
    db = Database(url)
    assert count_attempts(db, requester=QA) == 120
    db.dispose()
    with pytest.raises(SystemExit) as stop:
        cli.main(["demo-data", "--attempts", "0"])
    assert stop.value.code == 2 and "--attempts" in capsys.readouterr().err
    assert cli.main(["demo-data", "--attempts", "5", "--trainees", "0"]) == 2
