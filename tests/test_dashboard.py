"""QA filters and dashboard figures, checked against the same figures computed by hand (pandas)
from the attempts themselves. Runs on SQLite and (CSO_TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect

from sop.models import SERVICE_CRITERIA
from store import AccessDenied, StoreError, get_attempt
from store.dashboard import (
    QaFilter,
    count_qa_attempts,
    dashboard,
    filter_choices,
    list_qa_attempts,
)
from store.reviews import mark_reviewed, override_criterion
from tests.qa_data import add_attempts, content, people

LIB = content().library


@pytest.fixture
def seeded(db):
    p = people(db)
    ids = add_attempts(db, [p["andi"], p["budi"]], 90, seed=11, weeks=5)
    qa = p["qa1"].requester
    records = [get_attempt(db, i, requester=qa) for i in ids]
    frame = pd.DataFrame({
        "attempt_id": [r.id for r in records],
        "trainee_id": [r.trainee_id for r in records],
        "case_id": [r.case_id for r in records],
        "scenario_id": [r.scenario_id for r in records],
        "mode": [r.mode for r in records],
        "passed": [r.passed for r in records],
        "percent": [100 * r.score / r.max_score for r in records],
        "finished_at": [r.finished_at for r in records],
        "week": [_monday_wib(r.finished_at) for r in records],
    })
    crits = pd.DataFrame([
        {"attempt_id": r.id, "trainee_id": r.trainee_id, "criterion_id": c["id"],
         "ok": c["ok"], "points": c["points"], "max": c["max"]}
        for r in records for c in r.result["criteria"]
    ])
    return db, p, frame, crits


def _monday_wib(moment):
    day = (moment.astimezone(UTC) + timedelta(hours=7)).date()
    return day - timedelta(days=day.weekday())


def expected_groups(frame, keys):
    g = frame.groupby(keys)
    out = pd.DataFrame({"attempts": g.size(), "passed": g["passed"].sum(),
                        "mean_percent": g["percent"].mean()}).reset_index()
    out["pass_rate"] = (100 * out["passed"] / out["attempts"]).round(1)
    out["mean_percent"] = out["mean_percent"].round(1)
    return out


def same(actual, expected, keys):
    cols = [*keys, "attempts", "passed", "pass_rate", "mean_percent"]
    a = actual[cols].sort_values(keys).reset_index(drop=True)
    e = expected[cols].sort_values(keys).reset_index(drop=True)
    a["passed"] = a["passed"].astype(int)
    e["passed"] = e["passed"].astype(int)
    # both sides are rounded to one decimal: a mean on a tie (69.45) may round either way
    pd.testing.assert_frame_equal(a, e, check_dtype=False, atol=0.101)


def test_the_demo_attempts_give_something_to_look_at(seeded):
    _, _, frame, _ = seeded
    assert frame["passed"].any() and not frame["passed"].all()
    assert frame["week"].nunique() >= 4 and frame["case_id"].nunique() >= 5


def test_pass_rate_and_mean_score_by_trainee_case_scenario_week_and_matrix(seeded):
    db, p, frame, _ = seeded
    d = dashboard(db, requester=p["qa1"].requester)
    assert d.totals["attempts"] == len(frame)
    assert d.totals["passed"] == int(frame["passed"].sum())
    assert d.totals["mean_percent"] == pytest.approx(frame["percent"].mean(), abs=0.051)
    same(d.by_trainee, expected_groups(frame, ["trainee_id"]), ["trainee_id"])
    assert set(d.by_trainee["trainee"]) == {"Andi", "Budi"}
    same(d.by_case, expected_groups(frame, ["case_id"]), ["case_id"])
    same(d.by_scenario, expected_groups(frame, ["case_id", "scenario_id"]),
         ["case_id", "scenario_id"])
    weekly = d.weekly.assign(week=pd.to_datetime(d.weekly["week"]))
    same(weekly, expected_groups(frame.assign(week=pd.to_datetime(frame["week"])), ["week"]),
         ["week"])
    assert list(d.weekly["week"]) == sorted(d.weekly["week"])
    assert all(w.weekday() == 0 for w in d.weekly["week"])
    same(d.mastery, expected_groups(frame, ["trainee_id", "case_id"]),
         ["trainee_id", "case_id"])


def test_criteria_overall_and_the_weakest_per_trainee(seeded):
    db, p, _, crits = seeded
    d = dashboard(db, requester=p["qa1"].requester)
    g = crits.groupby("criterion_id")
    expected = pd.DataFrame({"results": g.size(), "ok": g["ok"].sum(),
                             "mean_percent": 100 * g["points"].sum() / g["max"].sum()})
    got = d.by_criterion.set_index("criterion_id")
    assert set(got.index) == set(expected.index)
    for cid, row in expected.iterrows():
        assert got.loc[cid, "results"] == row["results"]
        assert got.loc[cid, "ok"] == row["ok"]
        assert got.loc[cid, "ok_rate"] == pytest.approx(100 * row["ok"] / row["results"], abs=0.051)
        assert got.loc[cid, "mean_percent"] == pytest.approx(row["mean_percent"], abs=0.051)
    # the weakest criteria overall come first
    assert list(d.by_criterion["ok_rate"]) == sorted(d.by_criterion["ok_rate"])
    # the service standard is marked apart from the SOP criteria
    groups = dict(zip(got.index, got["group"], strict=True))
    assert {c for c, g in groups.items() if g == "layanan"} == set(SERVICE_CRITERIA)
    assert {g for c, g in groups.items() if c not in SERVICE_CRITERIA} == {"sop"}

    per = crits.groupby(["trainee_id", "criterion_id"])["ok"].mean().mul(100)
    weakest = d.weakest_by_trainee
    for trainee_id, rows in weakest.groupby("trainee_id"):
        assert 1 <= len(rows) <= 3
        assert list(rows["ok_rate"]) == sorted(rows["ok_rate"])
        assert rows["ok_rate"].iloc[0] == pytest.approx(per[trainee_id].min(), abs=0.051)
    assert set(weakest["trainee"]) == {"Andi", "Budi"}
    assert all((g == "layanan") == (c in SERVICE_CRITERIA)
               for c, g in zip(weakest["criterion_id"], weakest["group"], strict=True))


def test_results_stored_without_a_group_are_grouped_by_their_criterion_id(seeded):
    """Attempts saved before the service standard had groups keep their result JSON."""
    from sqlalchemy import select

    from store.db import writing
    from store.models import Attempt
    from store.reviews import review

    db, p, frame, _ = seeded
    qa = p["qa1"].requester
    attempt_id = int(frame["attempt_id"].iloc[0])
    with writing(db) as s:
        row = s.scalar(select(Attempt).where(Attempt.id == attempt_id))
        result = dict(row.result)
        result["criteria"] = [{k: v for k, v in c.items() if k != "group"}
                              for c in result["criteria"]]
        row.result = result
    r = review(db, requester=qa, attempt_id=attempt_id, library=LIB)
    assert {c.id for c in r.criteria if c.service} == set(SERVICE_CRITERIA)
    assert all(c.group == "sop" for c in r.criteria if c.id not in SERVICE_CRITERIA)


@pytest.mark.parametrize("name", ["trainee", "case", "scenario", "passed", "failed", "mode",
                                  "dates"])
def test_every_filter_selects_exactly_the_matching_attempts(seeded, name):
    db, p, frame, _ = seeded
    qa = p["qa1"].requester
    weeks = sorted(frame["week"].unique())
    if name == "trainee":
        where, mask = QaFilter(trainee_id=p["budi"].id), frame["trainee_id"] == p["budi"].id
    elif name == "case":
        where, mask = QaFilter(case_id="website.panduan"), frame["case_id"] == "website.panduan"
    elif name == "scenario":
        sid = frame["scenario_id"].iloc[0]
        where, mask = QaFilter(scenario_id=sid), frame["scenario_id"] == sid
    elif name == "passed":
        where, mask = QaFilter(passed=True), frame["passed"]
    elif name == "failed":
        where, mask = QaFilter(passed=False), ~frame["passed"]
    elif name == "mode":
        where, mask = QaFilter(mode="ujian"), frame["mode"] == "ujian"
    else:  # the days of the second and third week, by calendar day in WIB
        first, last = weeks[1], weeks[2] + timedelta(days=6)
        where = QaFilter.for_dates(first, last)
        mask = (frame["week"] >= first) & (frame["week"] <= weeks[2])
    want = set(frame.loc[mask, "attempt_id"])
    assert want and len(want) < len(frame)
    got = list_qa_attempts(db, requester=qa, where=where, limit=1000)
    assert {r.attempt_id for r in got} == want
    assert [r.finished_at for r in got] == sorted((r.finished_at for r in got), reverse=True)
    assert count_qa_attempts(db, requester=qa, where=where) == len(want)
    d = dashboard(db, requester=qa, where=where)
    assert d.totals["attempts"] == len(want) == d.by_case["attempts"].sum()


def test_filters_combine_and_pages_do_not_overlap(seeded):
    db, p, frame, _ = seeded
    qa = p["qa1"].requester
    where = QaFilter(trainee_id=p["andi"].id, passed=False)
    want = frame[(frame["trainee_id"] == p["andi"].id) & ~frame["passed"]]
    page1 = list_qa_attempts(db, requester=qa, where=where, limit=5)
    page2 = list_qa_attempts(db, requester=qa, where=where, limit=5, offset=5)
    assert len(page1) == 5 and not {r.attempt_id for r in page1} & {r.attempt_id for r in page2}
    assert count_qa_attempts(db, requester=qa, where=where) == len(want)


def test_reviewed_filter_and_overrides_show_in_the_figures(seeded):
    db, p, frame, crits = seeded
    qa = p["qa1"].requester
    failed = crits[~crits["ok"] & (crits["criterion_id"] == "website_steps")]
    attempt_id = int(failed["attempt_id"].iloc[0])
    before = dashboard(db, requester=qa)
    override_criterion(db, requester=qa, attempt_id=attempt_id, criterion_id="website_steps",
                       ok=True, comment="Langkah lengkap, hanya urutan kata berbeda.",
                       library=LIB)
    mark_reviewed(db, requester=qa, attempt_id=int(frame["attempt_id"].iloc[-1]), library=LIB)
    after = dashboard(db, requester=qa)
    b = before.by_criterion.set_index("criterion_id").loc["website_steps", "ok"]
    a = after.by_criterion.set_index("criterion_id").loc["website_steps", "ok"]
    assert a == b + 1
    assert after.totals["reviewed"] == 2
    reviewed = QaFilter(reviewed=True)
    assert dashboard(db, requester=qa, where=reviewed).totals["attempts"] == 2
    assert count_qa_attempts(db, requester=qa, where=QaFilter(reviewed=False)) == len(frame) - 2


def test_dashboards_are_for_qa_trainers_and_admins_only(seeded):
    db, p, _, _ = seeded
    for who in ("pelatih", "admin1"):
        assert dashboard(db, requester=p[who].requester).totals["attempts"] == 90
    with pytest.raises(AccessDenied):
        dashboard(db, requester=p["andi"].requester)
    with pytest.raises(AccessDenied):
        filter_choices(db, requester=p["andi"].requester)


def test_filter_choices_offer_what_exists(seeded):
    db, p, frame, _ = seeded
    choices = filter_choices(db, requester=p["qa1"].requester)
    assert [t[1] for t in choices["trainees"]] == ["Andi", "Budi"]
    assert choices["cases"] == sorted(frame["case_id"].unique())
    assert choices["first"] == frame["finished_at"].min()


def test_a_bad_filter_is_refused_naming_the_field():
    with pytest.raises(StoreError) as err:
        QaFilter(mode="santai")
    assert err.value.field == "mode"
    from datetime import date

    with pytest.raises(StoreError) as err:
        QaFilter.for_dates(date(2025, 6, 2), date(2025, 6, 1))
    assert err.value.field == "finished_to"


def test_the_filter_columns_are_indexed(db):
    indexed = {tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("attempt_facts")}
    for columns in [("trainee_id", "case_id", "passed", "percent", "finished_at"),
                    ("case_id", "scenario_id", "passed", "percent", "finished_at"),
                    ("scenario_id", "finished_at"), ("finished_at",),
                    ("week", "passed", "percent", "finished_at"), ("reviewed_by",)]:
        assert columns in indexed
    crit = {tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("criterion_facts")}
    assert ("criterion_id", "ok", "points", "max_points", "finished_at") in crit
    assert ("trainee_id", "criterion_id", "ok", "points", "max_points", "finished_at") in crit
