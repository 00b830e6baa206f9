"""The scorer: one attempt in, one result out, by the case's rubric. Pure: no I/O.

`Scorer(library)` compiles every case's rubric once; `Scorer.score(attempt)` applies it.
The criteria and their meaning are those of ../shared/sop-reading.md; weights, critical flags,
pass marks and cues come from the SOP content files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scoring.attempt import Attempt, AttemptError, CriterionResult, ScoreResult, parse_attempt
from scoring.text import Analysed, CueSet, Hit, Reader, states_amount
from sop.library import Library
from sop.models import Case, RubricCriterion, Sop


@dataclass
class _Criterion:
    id: str
    weight: float
    critical: bool
    sop_ref: str
    when: dict[str, bool]
    require_email: bool = False
    cues: CueSet = field(default_factory=lambda: CueSet(()))
    forward: CueSet = field(default_factory=lambda: CueSet(()))
    paths: dict[str, tuple[list[str], CueSet]] = field(default_factory=dict)


@dataclass
class CompiledCase:
    sop: Sop
    case: Case
    criteria: list[_Criterion]


def _fmt(x: float) -> float:
    return round(float(x), 2)


def _quote(texts: list[Analysed], hit: Hit, context: int = 4) -> str:
    return f'balasan {hit.reply + 1}: "{texts[hit.reply].quote(hit.start, hit.end, context)}"'


def _norm_idpel(v: str | None) -> str:
    return re.sub(r"[\s.\-]", "", v or "")


def _norm_email(v: str | None) -> str:
    return (v or "").strip().lower()


class Scorer:
    """Scores attempts for every case of a Library."""

    def __init__(self, library: Library):
        self.library = library
        cues: list[str] = []
        for sop in library.sops.values():
            for name in sop.cue_sets:
                cues.extend(sop.cue_sets[name])
            for crit in sop.criteria.values():
                cues.extend(sop.expand_cues(crit.cues + crit.forward_cues))
            for step, _ in sop.all_steps():
                cues.extend(step.cues)
            for case in sop.cases:
                for rc in case.rubric.criteria.values():
                    cues.extend(sop.expand_cues(rc.cues or []))
        self.reader = Reader(cues)
        self.cases: dict[str, CompiledCase] = {}
        for sop in library.sops.values():
            for case in sop.cases:
                self.cases[case.id] = self._compile(sop, case)

    # ------------------------------------------------------------------ compile
    def _cues(self, sop: Sop, cues: list[str]) -> CueSet:
        return CueSet([self.reader.compile(c) for c in sop.expand_cues(cues)])

    def _compile(self, sop: Sop, case: Case) -> CompiledCase:
        out = []
        for cid, rc in case.rubric.criteria.items():
            out.append(self._compile_criterion(sop, case, cid, rc))
        return CompiledCase(sop, case, out)

    def _compile_criterion(self, sop: Sop, case: Case, cid: str, rc: RubricCriterion):
        d = sop.criteria.get(cid)
        sop_ref = rc.sop_ref or (d.sop_ref if d else None) or case.sop_step
        c = _Criterion(cid, rc.weight, rc.critical, sop_ref, dict(rc.when), rc.require_email)
        if d is not None:
            c.cues = self._cues(sop, rc.cues if rc.cues is not None else d.cues)
            c.forward = self._cues(sop, d.forward_cues)
            for key, step_ids in (d.paths or {}).items():
                # One cue set for the whole path; each cue tagged with its step's position.
                cues = []
                for k, sid in enumerate(step_ids):
                    step = sop.step(sid)
                    for cue in sop.expand_cues(step.cues if step else []):
                        cues.append(self.reader.compile(cue, tag=k))
                c.paths[key] = (list(step_ids), CueSet(cues))
        return c

    # ------------------------------------------------------------------ score
    def score_data(self, data: Any) -> ScoreResult:
        """Validate raw input (a dict from JSON) and score it; raise AttemptError."""
        return self.score(parse_attempt(data))

    def score(self, attempt: Attempt) -> ScoreResult:
        compiled = self.cases.get(attempt.case)
        if compiled is None:
            raise AttemptError(
                "case", f"kasus '{attempt.case}' tidak dikenal; yang ada: "
                + ", ".join(sorted(self.cases))
            )
        sop, case = compiled.sop, compiled.case
        self._check_form(sop, case, attempt)
        texts = self.reader.read_all(attempt.replies)
        facts = {"has_account": attempt.facts.has_account,
                 "email_used_elsewhere": attempt.facts.email_used_elsewhere}
        results = []
        for crit in compiled.criteria:
            if any(facts.get(k) != v for k, v in crit.when.items()):
                continue
            ok, frac, evidence = CHECKS[crit.id](self, crit, compiled, attempt, texts)
            points = crit.weight if ok else crit.weight * frac
            results.append(
                CriterionResult(
                    crit.id, ok, _fmt(points), _fmt(crit.weight), crit.critical,
                    crit.sop_ref, evidence,
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
    def _apkt_action(self, crit, compiled, attempt, texts):
        sop, exp = compiled.sop, compiled.case.expected
        got = attempt.apkt.action
        note = " (asumsi pelatihan)" if exp.assumption else ""
        if got == exp.action:
            return True, 0, f'tindakan APKT "{sop.action_label(got)}" sesuai SOP{note}'
        return False, 0, (
            f'tindakan APKT "{sop.action_label(got)}" salah; seharusnya '
            f'"{sop.action_label(exp.action)}"{note}'
        )

    def _sub_issue_type(self, crit, compiled, attempt, texts):
        sop, exp = compiled.sop, compiled.case.expected
        got = attempt.apkt.sub_issue_type
        if got == exp.sub_issue_type:
            return True, 0, f'Sub Issue Type "{sop.sub_issue_label(got)}" sesuai permasalahan'
        chosen = "tidak dipilih" if got is None else f'"{sop.sub_issue_label(got)}" salah'
        return False, 0, (
            f'Sub Issue Type {chosen}; seharusnya "{sop.sub_issue_label(exp.sub_issue_type)}"'
        )

    def _bill_amount(self, crit, compiled, attempt, texts):
        amount = attempt.customer.bill_amount or 0
        for i, reply in enumerate(attempt.replies):
            found = states_amount(reply, amount)
            if found is not None:
                return True, 0, f'balasan {i + 1}: "{found.text}"'
        shown = f"Rp {amount:,.0f}".replace(",", ".")
        return False, 0, f"jumlah tagihan {shown} dari panel data tidak disebutkan"

    def _cue_criterion(self, missing: str) -> Callable:
        def check(crit, compiled, attempt, texts):
            hit = crit.cues.first(texts)
            if hit is not None:
                return True, 0, _quote(texts, hit)
            return False, 0, missing
        return check

    def _website_offered_first(self, crit, compiled, attempt, texts):
        web = crit.cues.first(texts)
        fwd = crit.forward.first(texts)
        if web is None:
            return False, 0, "website www.pln.co.id tidak ditawarkan"
        if fwd is not None and fwd.pos < web.pos:
            return False, 0, (
                f"permintaan diteruskan ({_quote(texts, fwd)}) sebelum website ditawarkan "
                f"({_quote(texts, web)})"
            )
        return True, 0, _quote(texts, web)

    def _website_steps(self, crit, compiled, attempt, texts):
        key = "with_account" if attempt.facts.has_account else "without_account"
        steps, cues = crit.paths.get(key, ([], None))
        if not steps:
            return True, 0, "tidak ada langkah yang diperlukan"
        hits: list[list[Hit]] = [[] for _ in steps]
        for h in cues.hits(texts):
            hits[h.tag].append(h)
        chain = _longest_in_order(hits)
        got = {k for k, _ in chain}
        parts = [f"{steps[k]} {_quote(texts, h, 1)}" for k, h in chain]
        missing = [steps[k] for k in range(len(steps)) if not hits[k]]
        disorder = [steps[k] for k in range(len(steps)) if hits[k] and k not in got]
        evidence = "; ".join(parts) if parts else "tidak ada langkah website yang disebut"
        situation = "punya akun" if attempt.facts.has_account else "belum punya akun"
        if missing:
            evidence += f" | belum disebut ({situation}): {', '.join(missing)}"
        if disorder:
            evidence += f" | tidak sesuai urutan SOP: {', '.join(disorder)}"
        ok = len(chain) == len(steps)
        return ok, len(chain) / len(steps), evidence

    def _apkt_data(self, crit, compiled, attempt, texts):
        form, cust = attempt.apkt, attempt.customer
        checks = []
        if _norm_idpel(form.idpel) == _norm_idpel(cust.idpel) and cust.idpel:
            checks.append((True, f"IDPEL {form.idpel} sesuai"))
        else:
            given = form.idpel or "(kosong)"
            checks.append((False, f"IDPEL {given} tidak sesuai; seharusnya {cust.idpel}"))
        if crit.require_email and cust.email:
            if _norm_email(form.email) == _norm_email(cust.email):
                checks.append((True, f"email {form.email} sesuai"))
            else:
                given = form.email or "(kosong)"
                checks.append((False, f"email {given} tidak sesuai; seharusnya {cust.email}"))
        good = sum(1 for ok, _ in checks if ok)
        return good == len(checks), good / len(checks), "; ".join(m for _, m in checks)


def _longest_in_order(hits: list[list[Hit]]) -> list[tuple[int, Hit]]:
    """The longest chain of steps whose hits come in SOP order (one hit per step)."""
    best: list[list[tuple[int, tuple | None]]] = []  # per step, per hit: (length, prev)
    top: tuple[int, int, int] | None = None  # (length, step, hit)
    for k, hs in enumerate(hits):
        row = []
        for j, h in enumerate(hs):
            length, prev = 1, None
            for k2 in range(k):
                for j2, h2 in enumerate(hits[k2]):
                    if h2.pos < h.pos and h2.end < h.start or h2.reply < h.reply:
                        cand = best[k2][j2][0] + 1
                        if cand > length:
                            length, prev = cand, (k2, j2)
            row.append((length, prev))
            if top is None or length > top[0]:
                top = (length, k, j)
        best.append(row)
    chain: list[tuple[int, Hit]] = []
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
    "self_service_channel": lambda self, *a: self._cue_criterion(
        "PLN Mobile atau website www.pln.co.id tidak disebutkan"
    )(*a),
    "website_offered_first": Scorer._website_offered_first,
    "website_steps": Scorer._website_steps,
    "email_used_advice": lambda self, *a: self._cue_criterion(
        "tidak menyarankan email lain atau kantor PLN terdekat"
    )(*a),
    "apkt_data": Scorer._apkt_data,
    "unit_followup": lambda self, *a: self._cue_criterion(
        "tidak menyampaikan bahwa Unit PLN akan menghubungi pelanggan"
    )(*a),
}

__all__ = ["Scorer", "CompiledCase"]
