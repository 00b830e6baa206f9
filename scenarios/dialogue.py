"""The simulated customer: deterministic rules driven by what the CSO's reply says.

The reply is read exactly as the scorer reads it (`scoring.text.Reader`, `find`): cues are the
SOP's own (cue sets such as "@website", the cues of SOP steps) plus the dialogue triggers of
scenarios/data/dialogue.yaml. Functions here are pure: `respond(rules, scenario, call, state,
reply)` returns the customer's line and a new `State`; the old state is never changed. Which of
a reaction's alternative lines is said depends only on the call's seed and on how often that
reaction was said before, so a replayed call gives the same conversation.

Rules (in this order):
- the CSO closes the call: goodbye, the call has ended;
- the turn limit is reached: the customer ends the call politely;
- an empty reply: the customer asks whether the CSO is still there;
- asked for name, IDPEL, e-mail or whether they have an account: answered from the call and
  its facts (these answers may come before the main reaction of the same reply);
- the Unit will call / forwarding to the Unit announced: the customer acknowledges;
- e-mail advice after "email sudah terdaftar": the customer will use another e-mail;
- website steps given: a customer who agreed to the website follows along; registration steps
  to a customer whose e-mail is used elsewhere get "email sudah terdaftar"; registration steps
  to a customer with an account, or login steps to one without, get a protest; once every step
  the customer needs has been heard they have found their bill; a customer of another stance
  reacts as to the website offer;
- the bill amount stated (customer asking the amount): acknowledged;
- website offered: `setuju` agrees and asks how, `tetap` insists on e-mail, `info` notes it
  (PLN Mobile too), `keluhan` returns to the complaint;
- "ada lagi?": nothing else; asked to hold: waits; a greeting only: restates the request;
- anything else: the customer repeats or clarifies (off_topic).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scenarios.generator import Call, fill
from scenarios.library import default_sop_library, load_dialogue_data
from scenarios.models import DialogueData, Scenario
from scoring.text import Analysed, Cue, Reader, find, states_amount
from sop.library import Library
from sop.models import Sop

ANSWER_FLAGS = {
    "give_name": "name_given",
    "give_idpel": "idpel_given",
    "give_email": "email_given",
    "account_yes": "account_answered",
    "account_no": "account_answered",
}


@dataclass(frozen=True, slots=True)
class State:
    """Where the conversation stands. Immutable: `respond` returns a new one."""

    turn: int = 0  # CSO replies so far
    ended: bool = False
    end_reason: str | None = None  # "closing" or "turn_limit"
    flags: frozenset[str] = frozenset()
    steps_heard: tuple[str, ...] = ()  # SOP website steps the customer has been given
    said: tuple[str, ...] = ()  # reactions said so far, in order

    def to_dict(self) -> dict[str, Any]:
        return {"turn": self.turn, "ended": self.ended, "end_reason": self.end_reason,
                "flags": sorted(self.flags), "steps_heard": list(self.steps_heard),
                "said": list(self.said)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> State:
        return cls(
            turn=int(data.get("turn", 0)),
            ended=bool(data.get("ended", False)),
            end_reason=data.get("end_reason"),
            flags=frozenset(data.get("flags", ())),
            steps_heard=tuple(data.get("steps_heard", ())),
            said=tuple(data.get("said", ())),
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """The customer's answer to one CSO reply."""

    line: str
    state: State
    reactions: tuple[str, ...]  # which reactions made up the line
    triggers: frozenset[str] = frozenset()  # what the reply was recognised as saying

    @property
    def ended(self) -> bool:
        return self.state.ended


@dataclass(frozen=True)
class _SopRules:
    triggers: Mapping[str, tuple[Cue, ...]]
    steps: Mapping[str, tuple[Cue, ...]]  # path step id -> cues
    paths: Mapping[str, tuple[str, ...]]  # with_account / without_account


@dataclass
class DialogueRules:
    """The dialogue triggers compiled for every SOP of a library (build once, share)."""

    library: Library
    data: DialogueData
    reader: Reader = field(init=False)
    _sops: dict[str, _SopRules] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        vocab: list[str] = []
        for sop in self.library.sops.values():
            for cues in sop.cue_sets.values():
                vocab.extend(cues)
            for crit in sop.criteria.values():
                vocab.extend(sop.expand_cues(crit.cues + crit.forward_cues))
            for step, _ in sop.all_steps():
                vocab.extend(step.cues)
            for cues in self.data.triggers.values():
                vocab.extend(self._expand(sop, cues))
        self.reader = Reader(vocab)
        for sop in self.library.sops.values():
            self._sops[sop.id] = self._compile(sop)

    @staticmethod
    def _expand(sop: Sop, cues: list[str]) -> list[str]:
        out: list[str] = []
        for cue in cues:
            if cue.startswith("@step:"):
                step = sop.step(cue[6:])
                out.extend(step.cues if step else [])
            else:
                out.extend(sop.expand_cues([cue]))
        return out

    def _compile(self, sop: Sop) -> _SopRules:
        compile_ = self.reader.compile
        triggers = {
            name: tuple(compile_(c) for c in self._expand(sop, cues))
            for name, cues in self.data.triggers.items()
        }
        crit = sop.criteria.get("website_steps")
        paths = {k: tuple(v) for k, v in ((crit.paths or {}) if crit else {}).items()}
        step_ids = {sid for path in paths.values() for sid in path}
        steps = {}
        for sid in sorted(step_ids):
            step = sop.step(sid)
            steps[sid] = tuple(compile_(c) for c in (step.cues if step else []))
        return _SopRules(triggers, steps, paths)

    def for_case(self, case_id: str) -> tuple[Sop, _SopRules]:
        found = self.library.find_case(case_id)
        if found is None:
            raise ValueError(f"kasus '{case_id}' tidak ada di SOP")
        sop = found[0]
        return sop, self._sops[sop.id]

    def stance(self, case_id: str) -> str:
        return self.data.stances.get(case_id, self.data.default_stance)

    def max_turns(self, scenario: Scenario) -> int:
        return scenario.max_turns or self.data.max_turns

    def read(self, case_id: str, reply: str) -> tuple[frozenset[str], frozenset[str]]:
        """(triggers, SOP website steps) that a reply says, as the scorer reads it."""
        _, rules = self.for_case(case_id)
        t = self.reader.read(reply)
        return _triggers(rules, t), _steps(rules, t)


def load_dialogue_rules(library: Library | None = None) -> DialogueRules:
    """Dialogue rules for a SOP library (default: the configured one)."""
    lib = library if library is not None else default_sop_library()
    return DialogueRules(lib, load_dialogue_data(sop_library=lib))


def _said(cues: tuple[Cue, ...], t: Analysed) -> bool:
    return any(find(c, t) for c in cues)


def _triggers(rules: _SopRules, t: Analysed) -> frozenset[str]:
    return frozenset(name for name, cues in rules.triggers.items() if _said(cues, t))


def _steps(rules: _SopRules, t: Analysed) -> frozenset[str]:
    return frozenset(sid for sid, cues in rules.steps.items() if _said(cues, t))


def start() -> State:
    """The state before the CSO's first reply (the customer has said `call.opening`)."""
    return State()


def _pick(rules: DialogueRules, scenario: Scenario, call: Call, reaction: str,
          said: tuple[str, ...]) -> str:
    lines = (scenario.reactions.get(reaction) or rules.data.defaults.get(reaction)
             or scenario.reactions.get("off_topic") or ["Maaf, bagaimana?"])
    base = zlib.crc32(f"{call.seed}:{reaction}".encode())
    return fill(lines[(base + said.count(reaction)) % len(lines)], call)


def respond(
    rules: DialogueRules, scenario: Scenario, call: Call, state: State, reply: str
) -> Answer:
    """The customer's answer to the CSO's `reply`, and the state after it."""
    if state.ended:
        raise ValueError("panggilan sudah berakhir")
    _, sr = rules.for_case(call.case)
    facts = call.facts
    has_account = bool(facts.get("has_account"))
    email_used = bool(facts.get("email_used_elsewhere"))
    stance = rules.stance(call.case)
    turn = state.turn + 1
    flags = set(state.flags)

    text = rules.reader.read(reply)
    hit = _triggers(sr, text) if reply.strip() else frozenset()
    steps_now = _steps(sr, text) if reply.strip() else frozenset()
    path = sr.paths.get("with_account" if has_account else "without_account", ())
    heard = tuple(s for s in path if s in steps_now or s in state.steps_heard)

    def done(reactions: list[str], *, ended: bool = False, reason: str | None = None) -> Answer:
        said = state.said
        lines = []
        for r in reactions:
            lines.append(_pick(rules, scenario, call, r, said))
            said = (*said, r)
        new = State(turn=turn, ended=ended, end_reason=reason, flags=frozenset(flags),
                     steps_heard=heard, said=said)
        return Answer(" ".join(lines), new, tuple(reactions), hit)

    if "closing" in hit:
        return done(["goodbye"], ended=True, reason="closing")
    if turn >= rules.max_turns(scenario):
        return done(["turn_limit"], ended=True, reason="turn_limit")
    if not reply.strip():
        return done(["silence"])

    if "website" in hit:
        first_offer = "web_offered" not in flags
        flags.add("web_offered")
    else:
        first_offer = False

    answers = []
    if "ask_name" in hit:
        answers.append("give_name")
    if "ask_idpel" in hit:
        answers.append("give_idpel")
    if "ask_email" in hit:
        answers.append("give_email")
    if "ask_account" in hit:
        answers.append("account_yes" if has_account else "account_no")

    steps_reply = (
        "steps" in hit
        or len(steps_now - {"4a"}) >= 2
        or ("4a" in steps_now and "web_offered" in state.flags and not answers)
    )
    main: str | None = None
    if "registration" in hit and steps_reply:
        flags.add("registration_heard")
    if "unit_followup" in hit:
        main = "unit_followup"
        flags.update(("forward_heard", "followup_heard"))
    elif "forward" in hit:
        main = "forward"
        flags.add("forward_heard")
    elif (stance == "setuju" and "email_advice" in hit and "email_used_told" in flags
          and "advice_heard" not in flags):
        main = "email_advice"
        flags.add("advice_heard")
    elif steps_reply and stance == "setuju":
        main = _steps_reaction(hit, flags, state, has_account, email_used, set(path) <= set(heard))
    elif steps_reply:
        main = f"website_{stance}"
    elif stance == "info" and states_amount(reply, call.bill_amount) is not None:
        main = "amount_given"
        flags.add("amount_heard")
    elif "website" in hit and (first_offer or not answers or stance == "tetap"):
        main = f"website_{stance}"
    elif "pln_mobile" in hit and stance == "info":
        main = "website_info"
    elif "anything_else" in hit:
        main = "nothing_else"
    elif "hold" in hit and not answers:
        main = "wait"
    elif not answers:
        main = "greeting" if "greeting" in hit else "off_topic"

    if main is not None:
        # Questions answered before are not answered again next to something new.
        answers = [a for a in answers if ANSWER_FLAGS[a] not in state.flags]
    for a in answers:
        flags.add(ANSWER_FLAGS[a])
    return done([*answers, *([main] if main else [])])


def _steps_reaction(hit: frozenset[str], flags: set[str], state: State, has_account: bool,
                    email_used: bool, all_heard: bool) -> str:
    reg, login = "registration" in hit, "login" in hit
    if email_used and not has_account and "advice_heard" not in flags and (
        reg or "email_used_told" in flags
    ):
        flags.add("email_used_told")
        return "email_used"
    if reg and not login and has_account and "already_has_account" not in state.said:
        return "already_has_account"
    if (login and not reg and not has_account and "registration_heard" not in state.flags
            and "no_account_yet" not in state.said):
        return "no_account_yet"
    if all_heard:
        flags.add("steps_done")
        return "steps_done"
    return "steps_next"


def replay(rules: DialogueRules, scenario: Scenario, call: Call,
           replies: list[str]) -> list[Answer]:
    """Every answer to a list of CSO replies, from the start (stops when the call ends)."""
    state = start()
    out = []
    for reply in replies:
        if state.ended:
            break
        ans = respond(rules, scenario, call, state, reply)
        out.append(ans)
        state = ans.state
    return out


__all__ = ["Answer", "DialogueRules", "State", "load_dialogue_rules", "replay", "respond",
           "start"]
