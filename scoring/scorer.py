"""The scorer: one attempt in, one result out, by the case's rubric. Pure: no I/O.

`Scorer(library)` builds one act reader per SOP; `Scorer.score(attempt)` reads every reply into
acts once (scoring/acts.py) and judges the case's criteria over those acts, the APKT form and
the call's facts. The criteria and their meaning are those of ../shared/sop-reading.md and
../shared/acts-guideline.md; weights, critical flags and pass marks come from the SOP files.
Criteria of the service standard (`service_*`) are a training standard, not SOP text: their
results carry group "layanan" so feedback, QA and dashboards show them apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.acts import CONDITIONAL, SAID, Act, ActReader, reader_for
from scoring.attempt import Attempt, AttemptError, CriterionResult, ScoreResult, parse_attempt
from sop.library import Library
from sop.models import SERVICE_CRITERIA, Case, Sop

GROUP_SOP, GROUP_SERVICE = "sop", "layanan"
SERVICE_REF = "standar-layanan"


@dataclass
class _Criterion:
    id: str
    weight: float
    critical: bool
    sop_ref: str
    when: dict[str, bool]
    require_email: bool = False
    paths: dict[str, list[str]] | None = None
    group: str = GROUP_SOP


@dataclass
class CompiledCase:
    sop: Sop
    case: Case
    criteria: list[_Criterion]
    reader: ActReader


@dataclass
class Reading:
    """An attempt as read: the acts of every reply, and the call's facts."""

    attempt: Attempt
    acts: list[list[Act]]
    facts: dict[str, bool]
    by_act: dict[str, list[tuple[int, Act]]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_act = {}
        for i, acts in enumerate(self.acts):
            for a in acts:
                self.by_act.setdefault(a.act, []).append((i, a))

    def counts(self, a: Act) -> bool:
        """Said, or conditional under a condition that holds for this customer."""
        if a.polarity == SAID:
            return True
        if a.polarity == CONDITIONAL:
            cond = a.condition
            return bool(cond) and all(self.facts.get(k) == v for k, v in cond.items())
        return False

    def said(self, act: str, **slots: Any) -> list[tuple[int, Act]]:
        """(reply index, act) of every act that counts, in the order said."""
        return [(i, a) for i, a in self.by_act.get(act, ())
                if self.counts(a) and all(a.slot(k) == v for k, v in slots.items())]

    def mentioned(self, act: str, **slots: Any) -> list[tuple[int, Act]]:
        """Every act of that kind whatever its polarity (for evidence of what went wrong)."""
        return [(i, a) for i, a in self.by_act.get(act, ())
                if all(a.slot(k) == v for k, v in slots.items())]


def _fmt(x: float) -> float:
    return round(float(x), 2)


def _quote(i: int, a: Act) -> str:
    return f'balasan {i + 1}: "{a.evidence}"'


def _norm_idpel(v: str | None) -> str:
    return re.sub(r"[\s.\-]", "", v or "")


def _norm_email(v: str | None) -> str:
    return (v or "").strip().lower()


def _rupiah(amount: float) -> str:
    return f"Rp {amount:,.0f}".replace(",", ".")


class Scorer:
    """Scores attempts for every case of a Library."""

    def __init__(self, library: Library):
        self.library = library
        self.readers: dict[str, ActReader] = {}
        for sop in library.sops.values():
            if sop.acts is not None:
                self.readers[sop.id] = reader_for(sop)
        self.cases: dict[str, CompiledCase] = {}
        for sop in library.sops.values():
            reader = self.readers.get(sop.id)
            if reader is None:
                continue
            for case in sop.cases:
                self.cases[case.id] = self._compile(sop, case, reader)

    # ------------------------------------------------------------------ compile
    def _compile(self, sop: Sop, case: Case, reader: ActReader) -> CompiledCase:
        out = []
        for cid, rc in sop.rubric_for(case).items():
            d = sop.criteria.get(cid)
            sop_ref = rc.sop_ref or (d.sop_ref if d else None) or case.sop_step
            if cid in SERVICE_CRITERIA:
                sop_ref = SERVICE_REF  # a training standard: no SOP step to quote
            out.append(_Criterion(cid, rc.weight, rc.critical, sop_ref, dict(rc.when),
                                  rc.require_email, dict(d.paths) if d and d.paths else None,
                                  GROUP_SERVICE if cid in SERVICE_CRITERIA else GROUP_SOP))
        return CompiledCase(sop, case, out, reader)

    # ------------------------------------------------------------------ reading
    def read(self, case_id: str, replies: Sequence[str]) -> list[list[Act]]:
        """The acts of every reply, as the scorer reads them for this case."""
        compiled = self._case(case_id)
        return [compiled.reader.read(r) for r in replies]

    def _case(self, case_id: str) -> CompiledCase:
        compiled = self.cases.get(case_id)
        if compiled is None:
            raise AttemptError(
                "case", f"kasus '{case_id}' tidak dikenal; yang ada: "
                + ", ".join(sorted(self.cases))
            )
        return compiled

    # ------------------------------------------------------------------ score
    def score_data(self, data: Any) -> ScoreResult:
        """Validate raw input (a dict from JSON) and score it; raise AttemptError."""
        return self.score(parse_attempt(data))

    def score(self, attempt: Attempt) -> ScoreResult:
        compiled = self._case(attempt.case)
        sop, case = compiled.sop, compiled.case
        self._check_form(sop, case, attempt)
        facts = {"has_account": attempt.facts.has_account,
                 "email_used_elsewhere": attempt.facts.email_used_elsewhere}
        reading = Reading(attempt, [compiled.reader.read(r) for r in attempt.replies], facts)
        results = []
        for crit in compiled.criteria:
            if any(facts.get(k) != v for k, v in crit.when.items()):
                continue
            got = CHECKS[crit.id](self, crit, compiled, reading)
            if got is None:  # does not apply to what was done (see _sub_issue_type)
                continue
            ok, frac, evidence = got
            points = crit.weight if ok else round(crit.weight * frac, 2)
            results.append(
                CriterionResult(
                    crit.id, ok, float(points), float(crit.weight), crit.critical,
                    crit.sop_ref, evidence, crit.group,
                )
            )
        score = _fmt(sum(r.points for r in results))
        max_score = _fmt(sum(r.max for r in results))
        critical_failed = [r.id for r in results if r.critical and not r.ok]
        percent = 100 * score / max_score if max_score else 0.0
        passed = not critical_failed and percent + 1e-9 >= case.rubric.pass_mark
        return ScoreResult(case.id, score, max_score, passed, critical_failed, results)

    def _check_form(self, sop: Sop, case: Case, attempt: Attempt) -> None:
        actions = {a.id for a in sop.apkt_actions}
        if attempt.apkt.action not in actions:
            raise AttemptError(
                "apkt.action",
                f"tindakan '{attempt.apkt.action}' tidak dikenal; pilih: "
                + ", ".join(a.id for a in sop.apkt_actions),
            )
        subs = {s.id for s in sop.sub_issue_types}
        sub = attempt.apkt.sub_issue_type
        if sub is not None and sub not in subs:
            raise AttemptError(
                "apkt.sub_issue_type",
                f"sub issue type '{sub}' tidak dikenal; pilih: " + ", ".join(sorted(subs)),
            )
        if "bill_amount" in case.rubric.criteria and attempt.customer.bill_amount is None:
            raise AttemptError(
                "customer.bill_amount", f"wajib diisi untuk kasus {case.id}"
            )

    # ------------------------------------------------------------------ criteria
    def _apkt_action(self, crit, compiled, r: Reading):
        sop, exp = compiled.sop, compiled.case.expected
        got = r.attempt.apkt.action
        note = " (asumsi pelatihan)" if exp.assumption else ""
        if got == exp.action:
            return True, 0, f'tindakan APKT "{sop.action_label(got)}" sesuai SOP{note}'
        want = f'"{sop.action_label(exp.action)}"'
        if exp.sub_issue_type:
            want += f' dengan Sub Issue Type "{sop.sub_issue_label(exp.sub_issue_type)}"'
        return False, 0, f'tindakan APKT "{sop.action_label(got)}" salah; seharusnya {want}{note}'

    def _sub_issue_type(self, crit, compiled, r: Reading):
        sop, exp = compiled.sop, compiled.case.expected
        if r.attempt.apkt.action != exp.action:
            # A wrong action is one mistake: it fails apkt_action alone, and the Sub Issue
            # Type (which only the right action takes) is not judged on top of it.
            return None
        got = r.attempt.apkt.sub_issue_type
        if got == exp.sub_issue_type:
            return True, 0, f'Sub Issue Type "{sop.sub_issue_label(got)}" sesuai permasalahan'
        chosen = "tidak dipilih" if got is None else f'"{sop.sub_issue_label(got)}" salah'
        return False, 0, (
            f'Sub Issue Type {chosen}; seharusnya "{sop.sub_issue_label(exp.sub_issue_type)}"'
        )

    def _bill_amount(self, crit, compiled, r: Reading):
        amount = r.attempt.customer.bill_amount or 0
        stated = r.said("state_amount")
        for i, a in stated:
            if a.slot("approximate"):
                continue
            value = a.slot("amount")
            if abs(value - amount) < 1 or _rounded(value, amount):
                return True, 0, _quote(i, a)
        shown = _rupiah(amount)
        if stated:
            i, a = stated[0]
            what = "perkiraan" if a.slot("approximate") else "jumlah lain"
            return False, 0, (f"jumlah tagihan {shown} dari panel data tidak disebutkan; "
                              f"yang disebut {what}: {_quote(i, a)}")
        return False, 0, f"jumlah tagihan {shown} dari panel data tidak disebutkan"

    def _self_service_channel(self, crit, compiled, r: Reading):
        offers = r.said("offer_channel")
        if offers:
            return True, 0, _quote(*offers[0])
        return False, 0, "PLN Mobile atau website www.pln.co.id tidak diinformasikan" + (
            _mention_note(r, compiled.reader))

    def _website_offered_first(self, crit, compiled, r: Reading):
        offers = r.said("offer_channel", channel="website")
        forwards = r.said("announce_forward")
        if not offers:
            return False, 0, "website www.pln.co.id tidak ditawarkan" + _mention_note(
                r, compiled.reader)
        oi, offer = offers[0]
        if forwards:
            fi, fwd = forwards[0]
            if (fi, fwd.start) < (oi, offer.start):
                return False, 0, (
                    f"permintaan diteruskan ({_quote(fi, fwd)}) sebelum website ditawarkan "
                    f"({_quote(oi, offer)})"
                )
        return True, 0, _quote(oi, offer)

    def _website_steps(self, crit, compiled, r: Reading):
        key = "with_account" if r.facts["has_account"] else "without_account"
        steps = (crit.paths or {}).get(key, [])
        if not steps:
            return True, 0, "tidak ada langkah yang diperlukan"
        login = compiled.reader.login_steps
        index = {sid: k for k, sid in enumerate(steps)}
        hits: list[list[tuple[int, Act]]] = [[] for _ in steps]
        said = r.said("website_step")
        if "4g" in index and not any(a.slot("step") == "4g" for _, a in said):
            # "cek email verifikasi lalu konfirmasi": the verification sent (4g) is named with
            # the confirming (4h)
            said = [*said, *[(i, _as_step(a, "4g")) for i, a in said if a.slot("step") == "4h"
                             and VERIFICATION & set(a.evidence.lower().replace(".", " ").split())]]
        registered_at = min(((i, a.start) for i, a in said
                             if a.slot("step") in compiled.reader.registration_steps),
                            default=None)
        for i, a in said:
            sid = a.slot("step")
            if (sid not in index and sid in login and sid == login[0] and registered_at
                    and (i, a.start) > registered_at):
                # "login" in a later reply, after the registration steps, is 4i; the other
                # way round (4i for a customer with an account) is the other branch
                sid = login[-1]
            if sid in index:
                hits[index[sid]].append((i, a))
        chain = _longest_in_order(hits)
        got = {k for k, _ in chain}
        parts = [f"{steps[k]} {_quote(i, a)}" for k, (i, a) in chain]
        missing = [steps[k] for k in range(len(steps)) if not hits[k]]
        disorder = [steps[k] for k in range(len(steps)) if hits[k] and k not in got]
        evidence = "; ".join(parts) if parts else "tidak ada langkah website yang dijelaskan"
        situation = "punya akun" if r.facts["has_account"] else "belum punya akun"
        if missing:
            evidence += f" | belum dijelaskan ({situation}): {', '.join(missing)}"
        if disorder:
            evidence += f" | tidak sesuai urutan SOP: {', '.join(disorder)}"
        ok = len(chain) == len(steps)
        return ok, len(chain) / len(steps), evidence

    def _email_used_advice(self, crit, compiled, r: Reading):
        # The SOP's advice is itself an alternative ("email lain ... atau kantor PLN"), so
        # advice under a condition ("kalau tidak ada email lain, ...") still advises.
        advice = r.said("email_used_advice") or [
            (i, a) for i, a in r.mentioned("email_used_advice") if a.polarity == CONDITIONAL]
        if advice:
            return True, 0, _quote(*advice[0])
        return False, 0, "tidak menyarankan email lain atau kantor PLN terdekat"

    def _unit_followup(self, crit, compiled, r: Reading):
        promise = r.said("promise_contact")
        if promise:
            return True, 0, _quote(*promise[0])
        denied = [(i, a) for i, a in r.mentioned("promise_contact") if a.polarity != SAID]
        note = f" (yang disampaikan: {_quote(*denied[0])})" if denied else ""
        return False, 0, "tidak menyampaikan bahwa Unit PLN akan menghubungi pelanggan" + note

    def _apkt_data(self, crit, compiled, r: Reading):
        form, cust, attempt = r.attempt.apkt, r.attempt.customer, r.attempt
        checks = []
        if _norm_idpel(form.idpel) == _norm_idpel(cust.idpel) and cust.idpel:
            checks.append((True, f"IDPEL {form.idpel} sesuai"))
        else:
            given = form.idpel or "(kosong)"
            checks.append((False, f"IDPEL {given} tidak sesuai; seharusnya {cust.idpel}"))
        if crit.require_email and cust.email:
            known = _email_known(attempt)
            if not known:
                # The customer never said the address: the trainee could not know it, and
                # feedback must not show it either.
                checks.append((False, "email yang benar belum diperoleh dari pelanggan "
                                      "(tanyakan alamat email kepada pelanggan)"))
            elif _norm_email(form.email) == _norm_email(cust.email):
                checks.append((True, f"email {form.email} sesuai"))
            else:
                given = form.email or "(kosong)"
                checks.append((False, f"email {given} tidak sesuai; seharusnya {cust.email} "
                                      "(yang disebutkan pelanggan)"))
        good = sum(1 for ok, _ in checks if ok)
        # all or nothing: the contract gives partial points to website_steps only
        return good == len(checks), 0, "; ".join(m for _, m in checks)

    # ------------------------------------------------------------------ service standard
    def _service_greeting(self, crit, compiled, r: Reading):
        if not r.acts:
            return False, 0, "tidak ada balasan"
        first = [a for a in r.acts[0] if r.counts(a)]
        greet = next((a for a in first if a.act == "greet"), None)
        intro = next((a for a in first if a.act == "introduce"), None)
        if greet and intro:
            return True, 0, f'balasan 1: "{greet.evidence}"'
        missing = [w for w, a in (("salam", greet), ("nama CSO atau PLN 123", intro)) if not a]
        have = greet or intro
        got = f' (balasan 1: "{have.evidence}")' if have else ""
        return False, 0, f"balasan pertama tanpa {' dan '.join(missing)}{got}"

    def _service_verification(self, crit, compiled, r: Reading):
        for name in ("ask_data", "confirm_data"):
            found = r.said(name, field="idpel")
            if found:
                return True, 0, _quote(*found[0])
        return False, 0, "IDPEL pelanggan tidak ditanyakan atau dikonfirmasi"

    def _service_closing(self, crit, compiled, r: Reading):
        if not r.acts:
            return False, 0, "tidak ada balasan"
        last = len(r.acts) - 1
        close = next((a for a in r.acts[last] if a.act == "close" and r.counts(a)), None)
        if close:
            return True, 0, _quote(last, close)
        earlier = r.said("close")
        if earlier:
            return False, 0.5, f"penutup tidak di balasan terakhir ({_quote(*earlier[0])})"
        return False, 0, "panggilan tidak ditutup (mis. terima kasih telah menghubungi PLN 123)"

    def _service_conduct(self, crit, compiled, r: Reading):
        bad = r.said("unprofessional")
        if r.attempt.customer_lines and bad:
            # another language *with* need: the customer spoke it first
            theirs = compiled.reader.languages(" ".join(r.attempt.customer_lines))
            bad = [(i, a) for i, a in bad
                   if not (a.slot("kind") == "other_language"
                           and compiled.reader.languages(r.attempt.replies[i]) & theirs)]
        if bad:
            kinds = {"dismissive": "mengabaikan permintaan", "rude": "kasar",
                     "blame": "menyalahkan pelanggan",
                     "other_language": "seluruh balasan dalam bahasa lain"}
            quotes = "; ".join(f"{kinds.get(a.slot('kind'), a.slot('kind'))}: {_quote(i, a)}"
                               for i, a in bad[:3])
            return False, 0, f"bahasa tidak profesional ({quotes})"
        return True, 0, "tidak ada balasan yang tidak profesional"


VERIFICATION = frozenset({"verifikasi", "verification", "verify", "aktivasi"})


def _as_step(a: Act, step: str) -> Act:
    return Act(a.act, a.polarity, (("step", step),), a.start, max(a.start, a.end - 1),
               a.evidence)


def _rounded(value: float, amount: float) -> bool:
    """"345 ribu" for Rp 345.250: a spoken amount rounded to its unit."""
    for unit in (1_000, 1_000_000):
        if value % unit == 0 and value >= unit and abs(value - round(amount / unit) * unit) < 1:
            return True
    return False


def _email_known(attempt: Attempt) -> bool:
    """Could the trainee know the customer's e-mail? It is on the data panel
    (`customer.email_on_record`), or the customer said it (`customer_lines`). Attempts without
    `customer_lines` (the shape before it existed) are taken as known."""
    lines = attempt.customer_lines
    email = _norm_email(attempt.customer.email)
    if lines is None:
        return True
    on_record = _norm_email(getattr(attempt.customer, "email_on_record", None) or "")
    if on_record and on_record == email:
        return True
    if any(email in (line or "").lower() or email in _spoken(line or "") for line in lines):
        return True
    # read back by the CSO and confirmed by the customer ("... x@y.id, betul?" "Iya betul")
    read_back = any(email in r.lower() for r in attempt.replies)
    return read_back and any(YES.search(line or "") for line in lines)


YES = re.compile(r"\b(iya|ya|betul|benar|bener|sudah benar|leres|nggih|sip|oke|ok)\b", re.I)


DIGIT_WORDS = {"nol": "0", "kosong": "0", "satu": "1", "dua": "2", "tiga": "3", "empat": "4",
               "lima": "5", "enam": "6", "tujuh": "7", "delapan": "8", "sembilan": "9",
               "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}
SPOKEN = [(r"\s*\b(at|et|add)\b\s*", "@"), (r"\s*\b(dot|titik)\b\s*", "."),
          (r"\s*\b(underscore|garis bawah)\b\s*", "_"), (r"\s*\b(strip|dash|minus)\b\s*", "-"),
          (r"\s*\b(" + "|".join(DIGIT_WORDS) + r")\b\s*", lambda m: DIGIT_WORDS[m.group(1)])]


def _spoken(line: str) -> str:
    """An address spelled out on the phone: "budi underscore s at example dot co dot id"."""
    text = re.sub(r"[,;:]", " ", line.lower())
    for pattern, repl in SPOKEN:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"\b(\w)-(?=\w\b)", r"\1", text)  # "r-a-h-m-a-t": spelled letter by letter
    return re.sub(r"(?<=[\w.@_-])\s+(?=[\w.@_-]*[@._-])|(?<=[@._-])\s+", "", text)


def _mention_note(r: Reading, reader: ActReader) -> str:
    named = r.mentioned("offer_channel")
    if named:
        i, a = named[0]
        how = {"denied": "disangkal", "asked": "hanya ditanyakan"}.get(a.polarity, "bersyarat")
        return f" (kanal {how}, bukan ditawarkan: {_quote(i, a)})"
    for i, reply in enumerate(r.attempt.replies):
        quote = reader.channel_named(reply)
        if quote:  # "krn website sedang gangguan": named as a reason, not offered
            return f' (hanya disebut, bukan ditawarkan: balasan {i + 1}: "{quote}")'
    return ""


def _longest_in_order(hits: list[list[tuple[int, Act]]]) -> list[tuple[int, tuple[int, Act]]]:
    """The longest chain of steps whose acts come in SOP order (one act per step)."""
    best: list[list[tuple[int, tuple | None]]] = []
    top: tuple[int, int, int] | None = None

    def pos(h: tuple[int, Act]) -> tuple[int, int]:
        return (h[0], h[1].start)

    for k, hs in enumerate(hits):
        row = []
        for j, h in enumerate(hs):
            length, prev = 1, None
            for k2 in range(k):
                for j2, h2 in enumerate(hits[k2]):
                    if pos(h2) <= pos(h):  # (equal: one phrase that gives both steps)
                        cand = best[k2][j2][0] + 1
                        if cand > length:
                            length, prev = cand, (k2, j2)
            row.append((length, prev))
            if top is None or length > top[0]:
                top = (length, k, j)
        best.append(row)
    chain: list[tuple[int, tuple[int, Act]]] = []
    node = (top[1], top[2]) if top else None
    while node is not None:
        k, j = node
        chain.append((k, hits[k][j]))
        node = best[k][j][1]
    return chain[::-1]


CHECKS: dict[str, Callable] = {
    "apkt_action": Scorer._apkt_action,
    "sub_issue_type": Scorer._sub_issue_type,
    "bill_amount": Scorer._bill_amount,
    "self_service_channel": Scorer._self_service_channel,
    "website_offered_first": Scorer._website_offered_first,
    "website_steps": Scorer._website_steps,
    "email_used_advice": Scorer._email_used_advice,
    "apkt_data": Scorer._apkt_data,
    "unit_followup": Scorer._unit_followup,
    "service_greeting": Scorer._service_greeting,
    "service_verification": Scorer._service_verification,
    "service_closing": Scorer._service_closing,
    "service_conduct": Scorer._service_conduct,
}

__all__ = ["GROUP_SERVICE", "GROUP_SOP", "SERVICE_REF", "CompiledCase", "Reading", "Scorer"]
