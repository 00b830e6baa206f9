"""Arbitrary attempts never crash the scorer and always score within bounds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.attempt import AttemptError
from scoring.scorer import Scorer
from sop.library import load_library

LIB = load_library()
SCORER = Scorer(LIB)
SOP = next(iter(LIB.sops.values()))
ACTIONS = [a.id for a in SOP.apkt_actions]
SUBS = [s.id for s in SOP.sub_issue_types]

WORDS = st.sampled_from([
    "www.pln.co.id", "website", "PLN Mobile", "Masuk", "masukkan", "login", "IDPEL", "tidak",
    "bisa", "Daftar Akun", "Setuju", "verifikasi", "konfirmasi", "Pelayanan Pelanggan",
    "Informasi Tagihan Listrik / Pembelian Token", "Rp 345.000", "345 ribu", "unit", "teruskan",
    "menghubungi", "email lain", "kantor PLN terdekat", ",", ".", "!!", "<b>", "\n", "😀",
    "Selamat pagi", "dengan Rina dari PLN 123", "IDPEL 532100123456 ya Pak?", "sekitar",
    "terima kasih telah menghubungi PLN 123", "bukan urusan saya", "Sorry sir", "gak", "kalau",
    "belum punya akun", "?",
])
REPLY = st.one_of(
    st.text(max_size=300),
    st.lists(WORDS, max_size=40).map(" ".join),
)
TEXT_OR_NONE = st.one_of(st.none(), st.text(max_size=40))
CASES = {c.id: c for c in SOP.cases}
SERVICE = ["service_greeting", "service_verification", "service_closing", "service_conduct"]

ATTEMPT = st.fixed_dictionaries({
    "case": st.sampled_from(LIB.case_ids()),
    "facts": st.fixed_dictionaries({"has_account": st.booleans(),
                                    "email_used_elsewhere": st.booleans()}),
    "customer": st.fixed_dictionaries({
        "idpel": st.from_regex(r"\d{12}", fullmatch=True),
        "name": st.text(max_size=30),
        "email": st.emails(),
        "bill_amount": st.integers(min_value=0, max_value=50_000_000),
    }),
    "replies": st.lists(REPLY, max_size=8),
    "apkt": st.fixed_dictionaries({
        "action": st.sampled_from(ACTIONS),
        "sub_issue_type": st.one_of(st.none(), st.sampled_from(SUBS)),
        "idpel": TEXT_OR_NONE,
        "email": TEXT_OR_NONE,
        "keterangan": TEXT_OR_NONE,
    }),
}, optional={
    # optional field of the contract: what the customer said (e-mail known only once said)
    "customer_lines": st.lists(st.one_of(st.text(max_size=80), st.emails()), max_size=6),
})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ATTEMPT)
def test_arbitrary_attempts_score_within_bounds(data):
    r = SCORER.score_data(data)
    assert 0 <= r.score <= r.max_score
    assert r.max_score > 0
    assert all(0 <= c.points <= c.max for c in r.criteria)
    assert all(c.ok == (c.points == c.max) for c in r.criteria if c.max > 0)
    if r.critical_failed:
        assert not r.passed
    ids = [c.id for c in r.criteria]
    assert ids[-4:] == SERVICE  # the service standard, after the SOP criteria, in every case
    assert all(c.group == ("layanan" if c.id in SERVICE else "sop") for c in r.criteria)
    if data["apkt"]["action"] != CASES[data["case"]].expected.action:
        # a wrong action is one mistake: the Sub Issue Type is not judged on top of it
        assert "sub_issue_type" not in ids
        assert "apkt_action" in r.critical_failed


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
))
def test_arbitrary_json_is_scored_or_refused_by_field(data):
    try:
        r = SCORER.score_data(data)
    except AttemptError as exc:
        assert exc.field and exc.message
    else:
        assert 0 <= r.score <= r.max_score
