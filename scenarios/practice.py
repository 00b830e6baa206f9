"""A practice session without any UI: the call, the conversation, the APKT form, the attempt.

The "Latihan" page only draws what these functions return; they never import streamlit and
never touch the database (the page saves the `NewAttempt` that `finish_call` builds).

- `choose_scenario` picks a scenario for a random call or a chosen case (and difficulty);
  `start_call` turns scenario + seed into a `PracticeCall` whose transcript holds the
  customer's opening line; `add_reply` applies the dialogue rules to one CSO reply and returns
  a new `PracticeCall` (the old one is never changed).
- `check_apkt` validates the APKT form with pydantic: IDPEL exactly 12 digits, e-mail form,
  a sub issue type only (and then always) where the chosen action takes one. Errors are
  messages per field; the values come back as typed, so the form can keep them.
- `finish_call` scores the call with the real scorer and builds the attempt to store.
- `feedback` turns a score into what the trainee reads: each criterion with its evidence, the
  SOP step quoted verbatim and (practice mode only) the scenario's hint; `feedback_sections`
  puts the SOP criteria first and the service standard (a training standard, not SOP text,
  without an SOP step) apart after them.
- `exam_set` makes a set of N calls; `weakest_case` and `case_progress` read progress.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from core.fmt import wib
from scenarios.dialogue import DialogueRules, State, respond, start
from scenarios.generator import MAX_SEED, Call, generate_call
from scenarios.library import ScenarioLibrary
from scenarios.models import DIFFICULTIES, Scenario
from scoring.attempt import MAX_REPLY_CHARS, ScoreResult
from scoring.scorer import Scorer
from sop.groups import GROUP_SERVICE, GROUP_SOP, criterion_group, service_note, service_title
from sop.library import Library
from sop.models import Sop

Mode = Literal["latihan", "ujian"]
MODES: tuple[Mode, ...] = ("latihan", "ujian")
MODE_LABELS = {"latihan": "Latihan", "ujian": "Ujian"}
EXAM_SIZES = (3, 5)
MAX_EXAM_CALLS = 10
MAX_KETERANGAN = 2000
ROLE_CUSTOMER, ROLE_CSO = "pelanggan", "cso"


class PracticeError(ValueError):
    """Something the trainee (or the page) asked for that cannot be done; the message says why."""


def now_utc() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- choosing a call
def case_choices(sops: Library, scenarios: ScenarioLibrary) -> list[tuple[str, str]]:
    """(case id, Indonesian title) of every case that has an active scenario, in SOP order."""
    have = {s.case for s in scenarios.active()}
    return [(c.id, c.title) for sop in sops.sops.values() for c in sop.cases if c.id in have]


def all_cases(sops: Library) -> list[tuple[str, str]]:
    """(case id, title) of every case of every SOP, in SOP order."""
    return [(c.id, c.title) for sop in sops.sops.values() for c in sop.cases]


def choose_scenario(
    scenarios: ScenarioLibrary,
    *,
    seed: int,
    case_id: str | None = None,
    difficulty: str | None = None,
) -> Scenario:
    """An active scenario: of `case_id` (None: a random case) and `difficulty` (None: any).

    A random call first picks a case, then one of its scenarios, so every case comes up as
    often whatever the number of scenarios it has. Equal arguments give the same scenario.
    """
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise PracticeError(f"tingkat kesulitan '{difficulty}' tidak dikenal")
    pool = [
        s for s in scenarios.active()
        if (case_id is None or s.case == case_id)
        and (difficulty is None or s.difficulty == difficulty)
    ]  # fmt: skip
    if not pool:
        what = f"kasus '{case_id}'" if case_id else "panggilan acak"
        level = f" dengan tingkat '{difficulty}'" if difficulty else ""
        raise PracticeError(f"Belum ada skenario aktif untuk {what}{level}.")
    rng = random.Random(seed)
    cases = sorted({s.case for s in pool})
    chosen = cases[rng.randrange(len(cases))]
    of_case = sorted((s for s in pool if s.case == chosen), key=lambda s: s.id)
    return of_case[rng.randrange(len(of_case))]


def new_seed(rng: random.Random | None = None) -> int:
    """A fresh call seed (0..MAX_SEED); the page passes nothing and gets a system-random one."""
    return (rng or random.SystemRandom()).randint(0, MAX_SEED)


# ---------------------------------------------------------------- the call
@dataclass(frozen=True, slots=True)
class Line:
    """One line of the conversation, as the transcript of an attempt stores it."""

    role: str  # "pelanggan" or "cso"
    text: str
    at: datetime
    reactions: tuple[str, ...] = ()  # the dialogue rules that made a customer line

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"role": self.role, "text": self.text, "at": self.at}
        if self.reactions:
            out["reactions"] = list(self.reactions)
        return out


@dataclass(frozen=True)
class PracticeCall:
    """A call in progress (or just ended). Immutable: `add_reply` returns a new one."""

    scenario: Scenario
    sop: Sop
    call: Call
    mode: Mode
    exam_id: str | None
    state: State
    transcript: tuple[Line, ...]
    started_at: datetime

    @property
    def seed(self) -> int:
        return self.call.seed

    @property
    def ended(self) -> bool:
        """The customer has ended the conversation (goodbye or turn limit)."""
        return self.state.ended

    @property
    def replies(self) -> list[str]:
        """The CSO's own messages, in order (what the scorer reads)."""
        return [line.text for line in self.transcript if line.role == ROLE_CSO]

    @property
    def customer_lines(self) -> list[str]:
        """What the customer said, in order (the scorer checks data the customer gave)."""
        return [line.text for line in self.transcript if line.role == ROLE_CUSTOMER]

    @property
    def case_title(self) -> str:
        case = self.sop.case(self.call.case)
        return case.title if case else self.call.case


def call_date(started_at: datetime) -> date:
    """The date of a call (its `as_of`: the month of its last bill): the day it started, in
    WIB, so a call continued or reopened later shows the same months."""
    return wib(started_at).date()


def start_call(
    scenario: Scenario,
    seed: int,
    *,
    sop: Sop,
    mode: Mode = "latihan",
    exam_id: str | None = None,
    now: datetime | None = None,
) -> PracticeCall:
    """The call of `scenario` for `seed`, with the customer's opening line said."""
    if mode not in MODES:
        raise PracticeError(f"mode '{mode}' tidak dikenal; pilih latihan atau ujian")
    if (mode == "ujian") != (exam_id is not None):
        raise PracticeError("mode ujian memerlukan exam_id; mode latihan tidak")
    at = now or now_utc()
    try:  # the call's months follow the day it starts (in WIB)
        call = generate_call(scenario, seed, sop=sop, as_of=call_date(at))
    except ValueError as exc:
        raise PracticeError(str(exc)) from None
    return PracticeCall(
        scenario=scenario,
        sop=sop,
        call=call,
        mode=mode,
        exam_id=exam_id,
        state=start(),
        transcript=(Line(ROLE_CUSTOMER, call.opening, at, ("opening",)),),
        started_at=at,
    )


def add_reply(
    pc: PracticeCall, text: str, *, rules: DialogueRules, now: datetime | None = None
) -> PracticeCall:
    """The call after the CSO says `text` and the customer answers by the dialogue rules."""
    if pc.ended:
        raise PracticeError("Panggilan sudah berakhir. Lengkapi formulir APKT untuk menutupnya.")
    if len(text) > MAX_REPLY_CHARS:
        raise PracticeError(
            f"Balasan terlalu panjang ({len(text)} karakter, maksimal {MAX_REPLY_CHARS})."
        )
    at = now or now_utc()
    answer = respond(rules, pc.scenario, pc.call, pc.state, text)
    lines = (
        *pc.transcript,
        Line(ROLE_CSO, text, at),
        Line(ROLE_CUSTOMER, answer.line, at, answer.reactions),
    )
    return replace(pc, state=answer.state, transcript=lines)


# ---------------------------------------------------------------- the APKT form
IDPEL = re.compile(r"\d{12}")
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
FORM_FIELDS = ("action", "sub_issue_type", "idpel", "email", "keterangan")


def _err(message: str) -> PydanticCustomError:
    return PydanticCustomError("apkt", message)


def sub_issue_actions(sop: Sop) -> frozenset[str]:
    """The APKT actions that take a Sub Issue Type (read from the cases: `keluhan` here)."""
    return frozenset(c.expected.action for c in sop.cases if c.expected.sub_issue_type)


class ApktInput(BaseModel):
    """The APKT form as the trainee fills it in. Validate with `context={"sop": sop}`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: str = ""
    sub_issue_type: str | None = None
    idpel: str = ""
    email: str = ""
    keterangan: str = ""

    @field_validator("action")
    @classmethod
    def _action(cls, v: str, info: ValidationInfo) -> str:
        sop: Sop = info.context["sop"]
        if not v:
            raise _err("Pilih tindakan APKT.")
        if v not in {a.id for a in sop.apkt_actions}:
            raise _err("Tindakan APKT tidak dikenal.")
        return v

    @field_validator("sub_issue_type")
    @classmethod
    def _sub_issue(cls, v: str | None, info: ValidationInfo) -> str | None:
        sop: Sop = info.context["sop"]
        action = info.data.get("action")
        if action is None:  # the action itself is wrong; say that first
            return v or None
        if action not in sub_issue_actions(sop):
            return None  # the field is not shown for this action: nothing to keep
        if not v:
            raise _err(f"Pilih Sub Issue Type untuk {sop.action_label(action)}.")
        if v not in {s.id for s in sop.sub_issue_types}:
            raise _err("Sub Issue Type tidak dikenal.")
        return v

    @field_validator("idpel")
    @classmethod
    def _idpel(cls, v: str) -> str:
        if not v:
            raise _err("Isi IDPEL pelanggan (12 digit).")
        if not IDPEL.fullmatch(v):
            digits = sum(ch.isdigit() for ch in v)
            if digits == len(v):
                raise _err(f"IDPEL harus tepat 12 digit angka (terisi {len(v)} digit).")
            raise _err("IDPEL hanya boleh berisi angka, tepat 12 digit.")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if v and (len(v) > 254 or not EMAIL.fullmatch(v)):
            raise _err("Format email tidak valid, contoh: nama@contoh.co.id")
        return v

    @field_validator("keterangan")
    @classmethod
    def _keterangan(cls, v: str) -> str:
        if not v:
            raise _err("Isi keterangan permasalahan pelanggan.")
        if len(v) > MAX_KETERANGAN:
            raise _err(f"Keterangan terlalu panjang ({len(v)} karakter, maksimal "
                       f"{MAX_KETERANGAN}).")
        return v

    def to_apkt(self) -> dict[str, Any]:
        """The `apkt` object of a scorer attempt."""
        return {"action": self.action, "sub_issue_type": self.sub_issue_type,
                "idpel": self.idpel, "email": self.email or None,
                "keterangan": self.keterangan}


@dataclass(frozen=True)
class FormCheck:
    """The outcome of checking the form: the values as typed, errors per field, the form."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    apkt: dict[str, Any] | None = None  # set when there are no errors

    @property
    def ok(self) -> bool:
        return not self.errors


def check_apkt(values: Mapping[str, Any], *, sop: Sop) -> FormCheck:
    """Validate the APKT form; every field's first problem, in Indonesian."""
    typed = {k: values.get(k) for k in FORM_FIELDS}
    raw = {k: ("" if v is None and k != "sub_issue_type" else v) for k, v in typed.items()}
    unknown = sorted(set(values) - set(FORM_FIELDS))
    if unknown:
        return FormCheck(typed, {unknown[0]: "isian tidak dikenal pada formulir APKT"})
    try:
        form = ApktInput.model_validate(raw, context={"sop": sop})
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors(include_url=False):
            name = str(err["loc"][0]) if err["loc"] else "formulir"
            message = err["msg"] if err["type"] == "apkt" else "Isian tidak valid."
            errors.setdefault(name, message)
        return FormCheck(typed, errors)
    return FormCheck(typed, {}, form.to_apkt())


# ---------------------------------------------------------------- scoring and the attempt
@dataclass(frozen=True)
class Finished:
    """A scored call: the result and the attempt to store (a dict for `store.NewAttempt`)."""

    result: ScoreResult
    attempt: dict[str, Any]


def finish_call(
    pc: PracticeCall,
    apkt: Mapping[str, Any],
    *,
    scorer: Scorer,
    trainee_id: int,
    rubric_version: str | None = None,
    now: datetime | None = None,
) -> Finished:
    """Score the call and its APKT form (validated by `check_apkt`) and build the attempt.

    `rubric_version` names the rubric the scorer was built from (the database's current SOP
    version, e.g. 'pln123.tagihan_invoice@r2'); without it the SOP file's version is recorded.
    """
    finished_at = now or now_utc()
    data = pc.call.attempt(pc.replies, dict(apkt), customer_lines=pc.customer_lines)
    result = scorer.score_data(data)
    attempt = {
        "trainee_id": trainee_id,
        "scenario_id": pc.scenario.id,
        "scenario_version": pc.scenario.content_version,
        "case_id": pc.call.case,
        "sop_id": pc.sop.id,
        "seed": pc.seed,
        "mode": pc.mode,
        "exam_id": pc.exam_id,
        "call": pc.call.to_dict(),
        "transcript": [line.to_dict() for line in pc.transcript],
        "apkt": dict(apkt),
        "score": result.score,
        "max_score": result.max_score,
        "passed": result.passed,
        "result": result.to_dict(),
        "rubric_version": rubric_version or f"{pc.sop.id}@v{pc.sop.version}",
        "started_at": pc.started_at,
        "finished_at": max(finished_at, pc.started_at),
    }
    return Finished(result, attempt)


def call_key(pc: PracticeCall, trainee_id: int) -> str:
    """Which call an attempt finishes: the trainee, scenario, seed, mode, exam and the moment
    the call started (kept with the call in the draft, so a reload keeps it too). The store
    saves one attempt per key, so finishing the same call again never stores it twice; a new
    call on the same seed ("Ulangi") starts at another moment and is a new attempt. The
    Latihan page adds it to the attempt (`finish_call` leaves it out: simulated and imported
    attempts have none)."""
    text = "|".join([str(trainee_id), pc.scenario.id, str(pc.seed), pc.mode,
                     pc.exam_id or "", pc.started_at.isoformat()])  # fmt: skip
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- feedback
@dataclass(frozen=True)
class CriterionFeedback:
    id: str
    label: str
    ok: bool
    points: float
    max: float
    critical: bool
    evidence: str
    step_id: str
    step_text: str | None  # the SOP step, verbatim (None if the SOP has no such step)
    substeps: tuple[tuple[str, str], ...]  # (id, text) of the step's substeps, verbatim
    hint: str | None  # the scenario's hint, for a failed criterion in practice mode only
    group: str = GROUP_SOP  # "sop", or "layanan": the service standard (no SOP step)

    @property
    def service(self) -> bool:
        return self.group == GROUP_SERVICE


@dataclass(frozen=True)
class FeedbackSection:
    """The criteria of one group as feedback shows them: the SOP's, then the service
    standard's (with its note: a training standard, not SOP text)."""

    group: str
    title: str
    note: str | None  # the service standard's note; None for the SOP criteria
    items: tuple[CriterionFeedback, ...]

    @property
    def points(self) -> float:
        return round(sum(f.points for f in self.items), 2)

    @property
    def max(self) -> float:
        return round(sum(f.max for f in self.items), 2)


def feedback(
    result: ScoreResult, *, sop: Sop, scenario: Scenario | None, mode: Mode
) -> list[CriterionFeedback]:
    """Each criterion of a result as the trainee reads it, in the scorer's order."""
    out = []
    for c in result.criteria:
        definition = sop.criteria.get(c.id)
        group = criterion_group(c.id, getattr(c, "group", None))
        step = sop.step(c.sop_ref) if c.sop_ref and group == GROUP_SOP else None
        hint = None
        if mode == "latihan" and not c.ok and scenario is not None:
            hint = scenario.hints.get(c.id)
        out.append(CriterionFeedback(
            id=c.id,
            label=definition.label if definition else c.id,
            ok=c.ok,
            points=c.points,
            max=c.max,
            critical=c.critical,
            evidence=c.evidence,
            step_id=c.sop_ref,
            step_text=step.text if step else None,
            substeps=tuple((s.id, s.text) for s in step.substeps) if step else (),
            hint=hint,
            group=group,
        ))
    return out


def feedback_sections(items: Sequence[CriterionFeedback], *, sop: Sop) -> list[FeedbackSection]:
    """`feedback` split into its groups: the SOP criteria first, then the service standard
    (only the groups that have criteria)."""
    sections = [
        FeedbackSection(GROUP_SOP, "Penilaian per kriteria SOP", None,
                        tuple(f for f in items if not f.service)),
        FeedbackSection(GROUP_SERVICE, service_title(sop), service_note(sop),
                        tuple(f for f in items if f.service)),
    ]
    return [s for s in sections if s.items]


def verdict(passed: bool) -> str:
    return "LULUS" if passed else "TIDAK LULUS"


# ---------------------------------------------------------------- exams
@dataclass(frozen=True)
class ExamItem:
    scenario_id: str
    seed: int


@dataclass(frozen=True)
class ExamSet:
    exam_id: str
    items: tuple[ExamItem, ...]

    def __len__(self) -> int:
        return len(self.items)


def exam_set(
    scenarios: ScenarioLibrary,
    n: int,
    *,
    seed: int,
    case_id: str | None = None,
    difficulty: str | None = None,
) -> ExamSet:
    """N calls for an exam: as many different cases as there are, in a shuffled order.

    Equal arguments give the same set; the exam id comes from the seed.
    """
    if not 1 <= n <= MAX_EXAM_CALLS:
        raise PracticeError(f"jumlah panggilan ujian harus 1..{MAX_EXAM_CALLS}")
    if not 0 <= seed <= MAX_SEED:
        raise PracticeError(f"seed harus 0..{MAX_SEED}")
    rng = random.Random(seed)
    # check that anything fits at all (raises a clear error otherwise)
    choose_scenario(scenarios, seed=seed, case_id=case_id, difficulty=difficulty)
    pool = [
        s for s in scenarios.active()
        if (case_id is None or s.case == case_id)
        and (difficulty is None or s.difficulty == difficulty)
    ]  # fmt: skip
    cases = sorted({s.case for s in pool})
    order: list[str] = []
    while len(order) < n:
        round_ = cases[:]
        rng.shuffle(round_)
        order.extend(round_)
    items = []
    used: set[str] = set()
    for case in order[:n]:
        of_case = sorted((s for s in pool if s.case == case), key=lambda s: s.id)
        fresh = [s for s in of_case if s.id not in used] or of_case
        scenario = fresh[rng.randrange(len(fresh))]
        used.add(scenario.id)
        items.append(ExamItem(scenario.id, rng.randint(0, MAX_SEED)))
    return ExamSet(f"ujian-{seed:016x}", tuple(items))


@dataclass
class ExamProgress:
    """An exam being sat: its set of calls, the index of the call now played, the records of
    the calls finished so far (whatever the page keeps of each) and whether it is over (all
    calls done, or stopped)."""

    exam: ExamSet
    index: int = 0
    done: list[Any] = field(default_factory=list)
    finished: bool = False

    def __len__(self) -> int:
        return len(self.exam)

    @property
    def current(self) -> ExamItem:
        """The call to play now."""
        return self.exam.items[self.index]

    def record(self, done: Any) -> bool:
        """Keep a finished call's record and move to the next call; False when that was the
        last one (the exam is then finished)."""
        self.done.append(done)
        self.index += 1
        if self.index >= len(self.exam):
            self.finished = True
            return False
        return True

    def stop(self) -> None:
        self.finished = True

    def copy(self) -> ExamProgress:
        """A copy that later `record`s on this one do not change."""
        return replace(self, done=list(self.done))


@dataclass(frozen=True)
class ExamSummary:
    calls: int
    passed: int
    mean_percent: float

    @property
    def all_passed(self) -> bool:
        return self.calls > 0 and self.passed == self.calls


def exam_summary(results: Sequence[ScoreResult]) -> ExamSummary:
    n = len(results)
    mean = round(sum(r.percent for r in results) / n, 1) if n else 0.0
    return ExamSummary(n, sum(1 for r in results if r.passed), mean)


# ---------------------------------------------------------------- progress
@dataclass(frozen=True)
class CaseRow:
    """One case on "Progres saya": every case of the library, tried or not."""

    case_id: str
    title: str
    attempts: int
    passed: int
    pass_rate: float | None  # 0..1; None when never tried
    mean_percent: float | None


def case_progress(cases: Iterable[tuple[str, str]], per_case: Iterable[Any]) -> list[CaseRow]:
    """Rows for every (case id, title), filled from `store.Progress.cases` where tried."""
    tried = {p.case_id: p for p in per_case}
    rows = []
    for case_id, title in cases:
        p = tried.get(case_id)
        if p is None:
            rows.append(CaseRow(case_id, title, 0, 0, None, None))
        else:
            rows.append(CaseRow(case_id, title, p.attempts, p.passed, p.pass_rate,
                                p.mean_percent))
    return rows


def weakest_case(rows: Sequence[CaseRow], practisable: Iterable[str]) -> CaseRow | None:
    """The case to practise next: one never tried first (in SOP order), else the lowest pass
    rate, then the lowest mean score. Only cases with an active scenario count."""
    can = set(practisable)
    pool = [r for r in rows if r.case_id in can]
    untried = [r for r in pool if r.attempts == 0]
    if untried:
        return untried[0]
    return min(pool, key=lambda r: (r.pass_rate or 0.0, r.mean_percent or 0.0, r.case_id),
               default=None)


__all__ = [
    "EXAM_SIZES",
    "MODES",
    "MODE_LABELS",
    "call_date",
    "ApktInput",
    "CaseRow",
    "CriterionFeedback",
    "ExamItem",
    "ExamProgress",
    "ExamSet",
    "ExamSummary",
    "FeedbackSection",
    "Finished",
    "FormCheck",
    "Line",
    "PracticeCall",
    "PracticeError",
    "add_reply",
    "all_cases",
    "case_choices",
    "case_progress",
    "check_apkt",
    "choose_scenario",
    "exam_set",
    "exam_summary",
    "feedback",
    "feedback_sections",
    "finish_call",
    "new_seed",
    "start_call",
    "sub_issue_actions",
    "verdict",
    "weakest_case",
]
