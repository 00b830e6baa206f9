"""The call generator: valid, consistent, reproducible calls for every scenario and seed."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from scenarios.generator import MAX_SEED, generate_call, rupiah
from scenarios.library import load_scenarios, load_tariffs
from scoring.attempt import parse_attempt
from scoring.scorer import Scorer
from sop.library import load_library

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(1000)
EMAIL = re.compile(r"^[a-z0-9]+([._][a-z0-9]+)*@[a-z0-9-]+(\.[a-z0-9-]+)+$")
PHONE = re.compile(r"^08\d{8,11}$")


@pytest.fixture(scope="module")
def sops():
    return load_library([ROOT / "sop" / "library"])


@pytest.fixture(scope="module")
def scenarios(sops):
    lib = load_scenarios([ROOT / "scenarios" / "library"], sop_library=sops)
    assert lib.problems == []
    return lib


@pytest.fixture(scope="module")
def table():
    return load_tariffs()


def _sop(sops, scenario):
    return sops.find_case(scenario.case)[0]


def _next_month(period: str) -> str:
    y, m = map(int, period.split("-"))
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def _check(call, scenario, table, classes) -> None:
    assert re.fullmatch(r"[1-9]\d{11}", call.idpel), call.idpel
    assert re.fullmatch(r"[1-9]\d{10}", call.meter_number), call.meter_number
    assert PHONE.match(call.phone), call.phone
    assert EMAIL.match(call.email), call.email
    assert call.name.strip() and call.address.strip() and "\n" not in call.address
    assert call.salutation == ("Bapak" if call.gender == "pria" else "Ibu")
    if scenario.persona.gender != "acak":
        assert call.gender == scenario.persona.gender
    if scenario.email_on_record == "tidak_ada":
        assert call.email_on_record is None
    elif scenario.email_on_record == "sama":
        assert call.email_on_record == call.email
    else:
        assert call.email_on_record != call.email and EMAIL.match(call.email_on_record)

    cls = classes[call.tariff_label]
    assert (call.tariff, call.power_va, call.rate_per_kwh) == (
        cls.tarif, cls.daya_va, cls.rate_per_kwh)
    assert call.tariff_as_of == table.berlaku_sejak
    assert 3 <= len(call.bills) <= 6
    lo, hi = cls.kwh
    periods = [b.period for b in call.bills]
    assert all(_next_month(a) == b for a, b in zip(periods, periods[1:], strict=False))
    assert periods[-1] == f"{call.as_of:%Y-%m}"  # the last bill is of the call's month
    for b in call.bills:
        assert lo <= b.kwh <= hi
        assert b.rate_per_kwh == cls.rate_per_kwh
        exact = (Decimal(b.kwh) * cls.rate_per_kwh).quantize(Decimal(1), ROUND_HALF_UP)
        assert b.amount == int(exact), (b, exact)
        assert b.due_date.day == 20 and f"{b.due_date:%Y-%m}" == b.period
    assert [b.paid for b in call.bills] == [True] * (len(call.bills) - 1) + [False]
    last = call.bills[-1]
    assert (call.bill_amount, call.asked_period, call.asked_month, call.due_date) == (
        last.amount, last.period, last.month, last.due_date)
    assert "{" not in call.opening
    assert dict(call.facts) == {"has_account": scenario.facts.get("has_account", False),
                                "email_used_elsewhere":
                                    scenario.facts.get("email_used_elsewhere", False)}


def test_a_thousand_seeds_per_scenario_give_valid_consistent_calls(scenarios, sops, table):
    classes = {c.display: c for c in table.golongan}
    for scenario in scenarios:
        sop = _sop(sops, scenario)
        idpels, openings = set(), set()
        for seed in SEEDS:
            call = generate_call(scenario, seed, sop=sop)
            _check(call, scenario, table, classes)
            idpels.add(call.idpel)
            filled = [t.format_map(call.placeholders()) for t in scenario.opening]
            openings.add(filled.index(call.opening))
        assert len(idpels) >= 995, scenario.id  # different seeds, different customers
        assert len(openings) == len(scenario.opening), scenario.id  # every opening is used


def test_equal_seeds_give_identical_calls_whatever_came_before(scenarios, sops):
    a = scenarios.get("invoice-setuju-web-email-terpakai")
    b = scenarios.get("koreksi-email-salah-ketik")
    first = generate_call(a, 77, sop=_sop(sops, a)).to_dict()
    for seed in range(50):  # other calls in between must not leak into the next one
        generate_call(b, seed, sop=_sop(sops, b))
    assert generate_call(a, 77, sop=_sop(sops, a)).to_dict() == first
    other = generate_call(a, 78, sop=_sop(sops, a)).to_dict()
    assert other != first and other["idpel"] != first["idpel"]


def test_same_seed_in_another_scenario_is_another_customer(scenarios, sops):
    a = scenarios.get("tagihan-jumlah-ibu-sopan")
    b = scenarios.get("berhenti-invoice-pindah-rumah")
    one, two = generate_call(a, 5, sop=_sop(sops, a)), generate_call(b, 5, sop=_sop(sops, b))
    assert one.idpel != two.idpel and one.name != two.name


def test_threads_generate_the_same_calls_as_the_main_thread(scenarios, sops):
    items = [(s, seed) for s in list(scenarios)[:6] for seed in range(40)]
    expected = [generate_call(s, seed, sop=_sop(sops, s)).to_dict() for s, seed in items]
    results: dict[int, list] = {}

    def work(k: int) -> None:
        order = items if k % 2 else items[::-1]
        out = [generate_call(s, seed, sop=_sop(sops, s)).to_dict() for s, seed in order]
        results[k] = out if k % 2 else out[::-1]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == expected for k in range(4))


def test_another_process_with_another_hash_seed_gives_the_same_call(scenarios, sops):
    s = scenarios.get("panduan-web-email-terpakai")
    here = generate_call(s, 123456789, sop=_sop(sops, s)).to_dict()
    env = {"PYTHONHASHSEED": "987", "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        [sys.executable, "-m", "cli", "generate", "--scenario", s.id, "--seed", "123456789"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == here


def test_call_dict_carries_what_a_page_and_the_scorer_need(scenarios, sops):
    s = scenarios.get("invoice-tetap-lansia")
    call = generate_call(s, 9, sop=_sop(sops, s))
    d = json.loads(json.dumps(call.to_dict()))
    for key in ("idpel", "name", "email", "bill_amount", "scenario_id", "content_version",
                "seed", "case", "facts", "bills", "opening", "tariff_label", "asked_month"):
        assert key in d
    assert d["content_version"] == s.content_version and d["seed"] == 9
    assert d["rate_per_kwh"] == str(call.rate_per_kwh)
    assert dt.date.fromisoformat(d["bills"][-1]["due_date"]).day == 20
    attempt = call.attempt(
        ["Bapak bisa lihat di www.pln.co.id.", "Permintaan kami teruskan ke Unit PLN, "
         "petugas Unit akan menghubungi Bapak."],
        {"action": "forward_unit", "idpel": call.idpel, "email": call.email},
    )
    parse_attempt(attempt)
    result = Scorer(sops).score_data(attempt)
    assert result.passed and result.criterion("apkt_data").ok


def test_bill_amount_is_said_the_way_the_scorer_reads_it(scenarios, sops):
    s = scenarios.get("tagihan-jumlah-ibu-sopan")
    call = generate_call(s, 4, sop=_sop(sops, s))
    reply = f"Tagihan bulan {call.asked_month} sebesar {rupiah(call.bill_amount)}."
    attempt = call.attempt([reply, "Bisa juga dicek di PLN Mobile."], {"action": "issue_closed"})
    result = Scorer(sops).score_data(attempt)
    assert result.criterion("bill_amount").ok and result.passed


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 1.5, True, "3"])
def test_bad_seeds_are_refused(scenarios, sops, seed):
    s = scenarios.get("tagihan-jumlah-ibu-sopan")
    with pytest.raises(ValueError, match="seed"):
        generate_call(s, seed, sop=_sop(sops, s))


def test_largest_seed_works(scenarios, sops):
    s = scenarios.get("tagihan-jumlah-ibu-sopan")
    assert generate_call(s, MAX_SEED, sop=_sop(sops, s)).seed == MAX_SEED


# ------------------------------------------------------- the call's date (issue 10 item 18)
def test_the_months_follow_the_calls_date_and_the_seed_keeps_everything_else(scenarios, sops):
    """Rule: the last bill (asked about, unpaid) is the bill of as_of's month; the ones before
    are the months before it. Same scenario, seed and as_of: the same call; another as_of: the
    same customer, tariff and amounts, other months."""
    import datetime as dt

    scenario = scenarios.get("tagihan-jumlah-ibu-sopan")
    sop = _sop(sops, scenario)
    day = dt.date(2026, 3, 5)
    a = generate_call(scenario, 11, sop=sop, as_of=day)
    assert a == generate_call(scenario, 11, sop=sop, as_of=day)
    assert a.as_of == day and a.asked_period == "2026-03" and a.asked_month == "Maret 2026"
    assert a.due_date == dt.date(2026, 3, 20) and not a.bills[-1].paid
    periods = [b.period for b in a.bills]
    assert periods == [f"{y}-{m:02d}" for y, m in
                       [(2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2), (2026, 3)]
                       [6 - len(periods):]]  # across the new year
    b = generate_call(scenario, 11, sop=sop, as_of=dt.date(2025, 8, 31))
    assert b.asked_month == "Agustus 2025"
    assert (b.name, b.idpel, b.tariff_label, b.opening) == (a.name, a.idpel, a.tariff_label,
                                                            a.opening)
    assert [x.amount for x in b.bills] == [x.amount for x in a.bills]
    # every seed of a day speaks of that day's month (no more Feb-Mei in one call, Jul-Nov in
    # the next)
    assert {generate_call(scenario, s, sop=sop, as_of=day).asked_period for s in range(40)} == {
        "2026-03"}


def test_a_call_keeps_the_months_of_the_day_it_started(scenarios, sops):
    import datetime as dt

    from scenarios.practice import start_call
    from scenarios.saved import call_from_data, call_to_data

    scenario = scenarios.get("tagihan-jumlah-ibu-sopan")
    sop = _sop(sops, scenario)
    # 30 Nov 2025 23:30 WIB is still November in Jakarta (16:30 UTC)
    started = dt.datetime(2025, 11, 30, 16, 30, tzinfo=dt.UTC)
    pc = start_call(scenario, 5, sop=sop, now=started)
    assert pc.call.asked_month == "November 2025"
    again = call_from_data(call_to_data(pc), scenario=scenario, sop=sop)  # reopened later
    assert again.call == pc.call


def test_generate_command_takes_the_date(capsys):
    import json

    import cli

    assert cli.main(["generate", "--scenario", "tagihan-jumlah-ibu-sopan", "--seed", "2",
                     "--files", "--tanggal", "2026-01-15"]) == 0
    call = json.loads(capsys.readouterr().out)
    assert call["as_of"] == "2026-01-15" and call["asked_period"] == "2026-01"
