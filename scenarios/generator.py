"""Scenario + seed -> one generated customer call, the same on every run.

The customer comes from Faker's `id_ID` locale, seeded per call (one Faker generator per
thread, reseeded at the start of every call, so nothing of one call leaks into the next);
everything else is drawn from the same seeded random stream: a 12-digit IDPEL, an 11-digit
meter number, an Indonesian mobile number, an e-mail address made from the name, a tariff class
from scenarios/data/tariffs.yaml and 3 to 6 months of bills whose amounts are kWh x the rate of
that table, each due on the 20th. The last bill is the month the customer asks about.

The months follow the call's date `as_of` (today in WIB unless given; a call started earlier
uses the date it started, scenarios.practice / scenarios.saved): the last bill, the one asked
about and still unpaid, is the bill of as_of's month (a PLN bill is issued at the start of its
month and due on the 20th), the ones before it are the months before, paid. So every call
speaks of the current month, whatever the seed.

Determinism: equal (scenario, seed, as_of) give an equal call with the same Faker version and
data files; `Call.data_version` names both, so a stored seed can be replayed exactly. The random
draws are the same for every as_of (only the months differ), so a seed gives the same customer,
tariff and amounts on any date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from types import MappingProxyType
from typing import Any

import faker
from faker import Factory

from core.fmt import WIB
from scenarios.library import PEOPLE_FILE, TARIFF_FILE, load_people, load_tariffs
from scenarios.models import PeopleData, Scenario, TariffClass, TariffTable, placeholders_in
from sop.models import Sop

MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")
MAX_SEED = 2**63 - 1
_NOT_ALPHA = re.compile(r"[^a-z]")


def rupiah(amount: int) -> str:
    """345000 -> 'Rp 345.000'."""
    return "Rp " + f"{amount:,}".replace(",", ".")


def month_label(year: int, month: int) -> str:
    return f"{MONTHS_ID[month - 1]} {year}"


@dataclass(frozen=True, slots=True)
class Bill:
    """One month's bill on the customer's data panel."""

    period: str  # "2025-05"
    month: str  # "Mei 2025"
    kwh: int
    rate_per_kwh: Decimal
    amount: int  # rupiah: kWh x rate, rounded half up
    due_date: dt.date  # the 20th of the bill's month
    paid: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "month": self.month,
            "kwh": self.kwh,
            "rate_per_kwh": str(self.rate_per_kwh),
            "amount": self.amount,
            "due_date": self.due_date.isoformat(),
            "paid": self.paid,
        }


@dataclass(frozen=True, slots=True)
class Call:
    """One generated call: what the CSO's application shows, and what the customer knows."""

    scenario_id: str
    content_version: str
    data_version: str
    seed: int
    case: str
    difficulty: str
    persona: str
    facts: dict[str, bool]
    name: str
    gender: str  # "pria" / "wanita"
    salutation: str  # how the CSO addresses the customer: "Bapak" / "Ibu"
    address: str
    phone: str
    email: str  # the customer's e-mail (for a correction: the new address they want)
    email_on_record: str | None  # the Invoice e-mail PLN has on record, if any
    idpel: str
    meter_number: str
    tariff: str  # "R-1/TR"
    power_va: int
    tariff_label: str  # "R-1/TR 1.300 VA"
    rate_per_kwh: Decimal
    tariff_as_of: dt.date
    bills: tuple[Bill, ...]
    asked_period: str
    asked_month: str
    bill_amount: int
    due_date: dt.date
    opening: str
    as_of: dt.date | None = None  # the call's date: its last bill is of this month

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def customer(self) -> dict[str, Any]:
        """The `customer` object of a scorer attempt (email_on_record: what the data panel
        shows, so an address the trainee could read there counts as known)."""
        out: dict[str, Any] = {"idpel": self.idpel, "name": self.name, "email": self.email,
                               "bill_amount": self.bill_amount}
        if self.email_on_record:
            out["email_on_record"] = self.email_on_record
        return out

    def attempt(self, replies: list[str], apkt: Mapping[str, Any],
                customer_lines: list[str] | None = None) -> dict[str, Any]:
        """A scorer attempt (see scoring.attempt) for this call; with `customer_lines` (what
        the customer said) an e-mail address counts only once the customer gave it."""
        out = {"case": self.case, "facts": dict(self.facts), "customer": self.customer(),
               "replies": list(replies), "apkt": dict(apkt)}
        if customer_lines is not None:
            out["customer_lines"] = list(customer_lines)
        return out

    def placeholders(self) -> dict[str, str]:
        """Values for the {placeholders} of customer lines."""
        return {
            "name": self.name,
            "first_name": self.first_name,
            "idpel": self.idpel,
            "meter": self.meter_number,
            "email": self.email,
            "email_on_record": self.email_on_record or self.email,
            "phone": self.phone,
            "address": self.address,
            "month": self.asked_month,
            "bill_amount": rupiah(self.bill_amount),
            "tariff": self.tariff_label,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario_id": self.scenario_id,
            "content_version": self.content_version,
            "data_version": self.data_version,
            "seed": self.seed,
            "case": self.case,
            "difficulty": self.difficulty,
            "persona": self.persona,
            "facts": dict(self.facts),
            "idpel": self.idpel,
            "name": self.name,
            "email": self.email,
            "bill_amount": self.bill_amount,
            "gender": self.gender,
            "salutation": self.salutation,
            "address": self.address,
            "phone": self.phone,
            "email_on_record": self.email_on_record,
            "meter_number": self.meter_number,
            "tariff": self.tariff,
            "power_va": self.power_va,
            "tariff_label": self.tariff_label,
            "rate_per_kwh": str(self.rate_per_kwh),
            "tariff_as_of": self.tariff_as_of.isoformat(),
            "bills": [b.to_dict() for b in self.bills],
            "asked_period": self.asked_period,
            "asked_month": self.asked_month,
            "due_date": self.due_date.isoformat(),
            "opening": self.opening,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


# ---------------------------------------------------------------- per-scenario plan
@dataclass(frozen=True)
class _Plan:
    """Everything about a scenario that does not depend on the seed, computed once."""

    scenario: Scenario
    sop: Sop
    content_version: str
    mix: int
    facts: Mapping[str, bool]
    genders: tuple[str, ...]
    openings: tuple[tuple[str, bool], ...]  # (template, has placeholders)
    email_on_record: str
    classes: tuple[TariffClass, ...]
    cum_weights: tuple[int, ...]
    rate_cents: tuple[int, ...]
    periods: tuple[tuple[int, int, str, str], ...]  # (year, month, "YYYY-MM", label)
    months: tuple[int, int]
    due_day: int
    as_of: dt.date
    people: PeopleData
    phone_lengths: tuple[int, ...]
    phone_cum: tuple[int, ...]
    data_version: str


_plans: dict[int, _Plan] = {}
_plans_lock = threading.Lock()


def _data_version(paths: tuple) -> str:
    h = hashlib.sha256(f"faker {faker.VERSION}".encode())
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _periods(table: TariffTable) -> tuple[tuple[int, int, str, str], ...]:
    y, m = map(int, table.periode_tagihan.dari.split("-"))
    y1, m1 = map(int, table.periode_tagihan.sampai.split("-"))
    out = []
    while (y, m) <= (y1, m1):
        out.append((y, m, f"{y:04d}-{m:02d}", month_label(y, m)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


def _plan(scenario: Scenario, sop: Sop) -> _Plan:
    plan = _plans.get(id(scenario))
    if plan is not None and plan.scenario is scenario and plan.sop is sop:
        return plan
    if sop.case(scenario.case) is None:
        raise ValueError(f"kasus '{scenario.case}' tidak ada di SOP {sop.id}")
    table, people = load_tariffs(), load_people()
    classes = tuple(table.golongan)
    gender = scenario.persona.gender
    plan = _Plan(
        scenario=scenario,
        sop=sop,
        content_version=scenario.content_version,
        mix=zlib.crc32(scenario.id.encode("utf-8")) << 64,
        facts=MappingProxyType({f.id: bool(scenario.facts.get(f.id, False)) for f in sop.facts}),
        genders=("pria", "wanita") if gender == "acak" else (gender,),
        openings=tuple((t, bool(placeholders_in(t))) for t in scenario.opening),
        email_on_record=scenario.email_on_record,
        classes=classes,
        cum_weights=tuple(accumulate(c.bobot for c in classes)),
        rate_cents=tuple(int(c.rate_per_kwh * 100) for c in classes),
        periods=_periods(table),
        months=table.bulan_tagihan,
        due_day=table.jatuh_tempo_tanggal,
        as_of=table.berlaku_sejak,
        people=people,
        phone_lengths=tuple(people.phone_lengths),
        phone_cum=tuple(accumulate(people.phone_lengths.values())),
        data_version=_data_version((TARIFF_FILE, PEOPLE_FILE)),
    )
    with _plans_lock:
        if len(_plans) > 1024:
            _plans.clear()
        _plans[id(scenario)] = plan
    return plan


# ---------------------------------------------------------------- Faker, one per thread
_local = threading.local()


def _faker():
    fake = getattr(_local, "fake", None)
    if fake is None:
        fake = _local.fake = Factory.create("id_ID")
    return fake


def _ascii(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return _NOT_ALPHA.sub("", folded.lower())


def _email(first: str, last: str, domain: str, r) -> str:
    f, la = _ascii(first) or "pelanggan", _ascii(last)
    n = r.randint(1, 99)
    if not la:
        local = f"{f}{n:02d}"
    else:
        pick = r.randrange(6)
        local = (f"{f}.{la}", f"{f}{la}", f"{f}_{la}", f"{f}.{la}{n:02d}", f"{f[0]}{la}",
                 f"{f}{n:02d}")[pick]
    return f"{local}@{domain}"


def _older_email(email: str, domains: list[str], r) -> str:
    """Another address the customer once gave: a typo or an old domain, never equal."""
    local, domain = email.split("@")
    spots = [i for i in range(1, len(local) - 1) if local[i].isalpha() and local[i + 1].isalpha()]
    if spots and r.random() < 0.6:
        i = spots[r.randrange(len(spots))]
        typo = (local[:i] + local[i + 1:],  # a letter dropped
                local[:i] + local[i] + local[i:],  # a letter doubled
                local[:i] + local[i + 1] + local[i] + local[i + 2:])[r.randrange(3)]  # swapped
        if typo != local:
            return f"{typo}@{domain}"
    others = [d for d in domains if d != domain]
    if others:
        return f"{local}@{others[r.randrange(len(others))]}"
    return f"{local}{r.randint(1, 9)}@{domain}"


def _digits(r, prefix: str, length: int) -> str:
    rest = length - len(prefix)
    return prefix + str(r.randrange(10**rest)).zfill(rest)


def today_wib() -> dt.date:
    return dt.datetime.now(WIB).date()


def bill_months(as_of: dt.date, n: int) -> list[tuple[int, int]]:
    """The n bill months (year, month) ending with as_of's month, oldest first."""
    end = as_of.year * 12 + as_of.month - 1
    return [divmod(k, 12) for k in range(end - n + 1, end + 1)]


def generate_call(scenario: Scenario, seed: int, *, sop: Sop,
                  as_of: dt.date | None = None) -> Call:
    """The call of `scenario` for `seed` (0 <= seed < 2**63) on the date `as_of` (default:
    today in WIB); equal inputs, equal call. Its last bill is of as_of's month."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed harus bilangan bulat 0..{MAX_SEED}")
    as_of = as_of or today_wib()
    p = _plan(scenario, sop)
    fake = _faker()
    fake.seed_instance(p.mix | seed)
    r = fake.random

    gender = p.genders[0] if len(p.genders) == 1 else p.genders[r.randrange(2)]
    if gender == "pria":
        first, last = fake.first_name_male(), fake.last_name_male()
    else:
        first, last = fake.first_name_female(), fake.last_name_female()
    name = f"{first} {last}" if last else first
    # Faker's own parts, put together as an Indonesian address with RT/RW (no province:
    # Faker's id_ID cities and provinces are drawn independently and would not match).
    prefix = fake.street_prefix_short() if r.random() < 0.6 else fake.street_prefix_long()
    address = (f"{prefix} {fake.street()} No. {r.randint(1, 199)}, "
               f"RT {r.randint(1, 15):03d}/RW {r.randint(1, 12):03d}, "
               f"{fake.city_name()} {r.randint(10000, 99999)}")

    people = p.people
    length = r.choices(p.phone_lengths, cum_weights=p.phone_cum)[0]
    phone = _digits(r, people.phone_prefixes[r.randrange(len(people.phone_prefixes))], length)
    domains = people.email_domains
    email = _email(first, last, domains[r.randrange(len(domains))], r)
    if p.email_on_record == "sama":
        on_record: str | None = email
    elif p.email_on_record == "lama":
        on_record = _older_email(email, domains, r)
    else:
        on_record = None
    idpel = _digits(r, people.idpel_prefixes[r.randrange(len(people.idpel_prefixes))], 12)
    meter = _digits(r, people.meter_prefixes[r.randrange(len(people.meter_prefixes))], 11)

    k = r.choices(range(len(p.classes)), cum_weights=p.cum_weights)[0]
    tariff, cents = p.classes[k], p.rate_cents[k]
    lo, hi = tariff.kwh
    n = r.randint(*p.months)
    r.randint(n - 1, len(p.periods) - 1)  # once the last month; drawn still, so that every
    # later draw (amounts, opening line) stays what it was for this seed
    base = r.randint(lo, hi)
    spread = max(1, base * 15 // 100)
    bills = []
    months = bill_months(as_of, n)
    for i, (year, m0) in enumerate(months):
        month = m0 + 1
        kwh = min(hi, max(lo, base + r.randint(-spread, spread)))
        bills.append(Bill(
            period=f"{year:04d}-{month:02d}", month=month_label(year, month), kwh=kwh,
            rate_per_kwh=tariff.rate_per_kwh, amount=(kwh * cents + 50) // 100,
            due_date=dt.date(year, month, p.due_day), paid=i != len(months) - 1,
        ))
    asked = bills[-1]

    template, templated = p.openings[r.randrange(len(p.openings))]
    call = Call(
        scenario_id=scenario.id,
        content_version=p.content_version,
        data_version=p.data_version,
        seed=seed,
        case=scenario.case,
        difficulty=scenario.difficulty,
        persona=scenario.persona.style,
        facts=dict(p.facts),
        name=name,
        gender=gender,
        salutation="Bapak" if gender == "pria" else "Ibu",
        address=address,
        phone=phone,
        email=email,
        email_on_record=on_record,
        idpel=idpel,
        meter_number=meter,
        tariff=tariff.tarif,
        power_va=tariff.daya_va,
        tariff_label=tariff.display,
        rate_per_kwh=tariff.rate_per_kwh,
        tariff_as_of=p.as_of,
        bills=tuple(bills),
        asked_period=asked.period,
        asked_month=asked.month,
        bill_amount=asked.amount,
        due_date=asked.due_date,
        opening=template,
        as_of=as_of,
    )
    if templated:
        call = _with_opening(call, template.format_map(call.placeholders()))
    return call


def _with_opening(call: Call, opening: str) -> Call:
    from dataclasses import replace

    return replace(call, opening=opening)


def fill(line: str, call: Call) -> str:
    """A customer line with its {placeholders} filled from the call."""
    return line.format_map(call.placeholders()) if "{" in line else line


__all__ = ["Bill", "Call", "bill_months", "fill", "generate_call", "month_label", "rupiah",
           "today_wib"]
