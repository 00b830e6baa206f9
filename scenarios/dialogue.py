"""The simulated customer: deterministic rules driven by the ACTS of the CSO's reply.

A reply is read once, by the same act reader as the scorer (`scoring.acts.ActReader`, built from
the SOP's `acts:` section): what it *does* (asks for data, confirms data, offers a channel,
gives a website step, states an amount, forwards, promises the Unit's call, ...) with its
polarity. The customer reacts to those acts and to nothing else; this module keeps no phrasings
of its own. An act counts when it is said, or conditional under a condition that holds for the
customer's facts (as the scorer counts it); denied and asked acts never count.

Functions here are pure: `respond(rules, scenario, call, state, reply)` returns the customer's
line and a new `State`; the old state is never changed. Which of a reaction's alternative lines
is said depends only on the call's seed and on how often that reaction was said before, so a
replayed call gives the same conversation.

Rules (in this order):
- unprofessional (rude, dismissive, blaming, another language): the first time the customer
  complains, the second time asks for a supervisor, the third time hangs up (end_reason
  "rudeness");
- close: goodbye, the call has ended (a customer whose bill amount is still disputed does not
  thank: goodbye_unresolved);
- the turn limit is reached: the customer ends the call politely;
- an empty reply: the customer asks whether the CSO is still there;
- data: ask_data(name/idpel/email/phone/address/meter) gives exactly that, ask_data(account)
  is answered yes/no from the facts, confirm_data is confirmed ("Iya, betul") or, when the value
  read back is not the customer's, corrected; in the order asked, before the main reaction;
- the main reaction, the first that applies:
  - promise_contact: the Unit will call, acknowledged (also covers forwarding);
  - announce_forward: acknowledged;
  - email_used_advice (customer whose e-mail is used elsewhere, after "email sudah terdaftar"):
    will use another e-mail (given before the problem came up it is simply followed);
  - website steps (said, or conditional fitting the facts): a customer who agrees to the website
    follows along; registration steps to an e-mail-used customer get "email sudah terdaftar"
    (and "masih ditolak" only when more steps come while still stuck); registration steps to a
    customer with an account, or login to one without (before any registration step), get a
    protest; the bill is found only once every step of the customer's path has been given,
    4j included; a customer of another stance answers as to the offer, if the website was
    offered at all;
  - state_amount (customer asking the amount): the right amount is acknowledged, another amount
    is disputed ("Lho, kok Rp X?"), an approximate one gets a request for the exact amount;
  - offer_channel: `setuju` agrees and asks how, `tetap` insists on e-mail, `info` notes it
    (website_info, or mobile_info when only PLN Mobile was offered), `keluhan` returns to the
    complaint; a channel named in an excuse, a denial or an
    account question is no offer (the reader decides);
  - ask_more: nothing else (unless the amount is still disputed); hold: waits; greeting or
    introduction (with or without an apology): restates the request; empathy only: accepts;
  - nothing understood: the customer repeats or clarifies (off_topic).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scenarios.generator import Call, rupiah
from scenarios.library import default_sop_library, load_dialogue_data
from scenarios.models import DialogueData, Scenario
from scoring.acts import CONDITIONAL, SAID, Act, ActReader, reader_for
from sop.library import Library
from sop.models import Sop

# ask_data field -> the reaction that answers it
GIVE = {
    "name": "give_name",
    "idpel": "give_idpel",
    "email": "give_email",
    "phone": "give_phone",
    "address": "give_address",
    "meter": "give_meter",
}
# answer reaction -> the flag that says it was given
ANSWER_FLAGS = {
    "give_name": "name_given",
    "give_idpel": "idpel_given",
    "give_email": "email_given",
    "give_phone": "phone_given",
    "give_address": "address_given",
    "give_meter": "meter_given",
    "account_yes": "account_answered",
    "account_no": "account_answered",
}
RUDE = ("rude_complaint", "rude_supervisor", "rude_hangup")


@dataclass(frozen=True, slots=True)
class State:
    """Where the conversation stands. Immutable: `respond` returns a new one."""

    turn: int = 0  # CSO replies so far
    ended: bool = False
    end_reason: str | None = None  # "closing", "turn_limit" or "rudeness"
    flags: frozenset[str] = frozenset()
    steps_heard: tuple[str, ...] = ()  # SOP website steps of the customer's path given so far
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
    triggers: frozenset[str] = frozenset()  # the acts that counted, as "act" or "act:slot"
    acts: tuple[Act, ...] = ()  # the reply as read (every act, whatever its polarity)

    @property
    def ended(self) -> bool:
        return self.state.ended


@dataclass(frozen=True)
class _SopRules:
    reader: ActReader
    paths: Mapping[str, tuple[str, ...]]  # with_account / without_account
    login: tuple[str, ...]  # the login steps: (with an account, after registering)
    registration: frozenset[str]  # the registration steps


@dataclass
class DialogueRules:
    """One act reader per SOP of a library, and the dialogue data (build once, share)."""

    library: Library
    data: DialogueData
    _sops: dict[str, _SopRules] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for sop in self.library.sops.values():
            if sop.acts is not None:
                self._sops[sop.id] = self._compile(sop)

    @staticmethod
    def _compile(sop: Sop) -> _SopRules:
        reader = reader_for(sop)
        crit = sop.criteria.get("website_steps")
        paths = {k: tuple(v) for k, v in ((crit.paths or {}) if crit else {}).items()}
        return _SopRules(reader, paths, tuple(reader.login_steps),
                         frozenset(reader.registration_steps))

    def for_case(self, case_id: str) -> tuple[Sop, _SopRules]:
        found = self.library.find_case(case_id)
        if found is None:
            raise ValueError(f"kasus '{case_id}' tidak ada di SOP")
        sop = found[0]
        rules = self._sops.get(sop.id)
        if rules is None:
            raise ValueError(f"SOP '{sop.id}' tidak punya bagian acts; pelanggan tidak bisa "
                             "membaca balasan CSO")
        return sop, rules

    def stance(self, case_id: str) -> str:
        return self.data.stances.get(case_id, self.data.default_stance)

    def max_turns(self, scenario: Scenario) -> int:
        return scenario.max_turns or self.data.max_turns

    def read(self, case_id: str, reply: str) -> list[Act]:
        """The acts of a reply, read exactly as the scorer reads it."""
        _, rules = self.for_case(case_id)
        return rules.reader.read(reply) if reply.strip() else []


def load_dialogue_rules(library: Library | None = None) -> DialogueRules:
    """Dialogue rules for a SOP library (default: the configured one)."""
    lib = library if library is not None else default_sop_library()
    return DialogueRules(lib, load_dialogue_data(sop_library=lib))


def start() -> State:
    """The state before the CSO's first reply (the customer has said `call.opening`)."""
    return State()


def _fill(line: str, call: Call, extra: Mapping[str, str]) -> str:
    if "{" not in line:
        return line
    return line.format_map({**call.placeholders(), **extra})


def _pick(rules: DialogueRules, scenario: Scenario, call: Call, reaction: str,
          said: tuple[str, ...], extra: Mapping[str, str]) -> str:
    lines = (scenario.reactions.get(reaction) or rules.data.defaults.get(reaction)
             or scenario.reactions.get("off_topic") or ["Maaf, bagaimana?"])
    base = zlib.crc32(f"{call.seed}:{reaction}".encode())
    return _fill(lines[(base + said.count(reaction)) % len(lines)], call, extra)


# ---------------------------------------------------------------- reading the acts
@dataclass(frozen=True)
class _Heard:
    """The acts of one reply that count for this customer."""

    acts: tuple[Act, ...]
    facts: Mapping[str, bool]

    def counts(self, a: Act) -> bool:
        """Said, or conditional under a condition that holds for this customer."""
        if a.polarity == SAID:
            return True
        if a.polarity == CONDITIONAL:
            cond = a.condition
            return bool(cond) and all(self.facts.get(k, False) == v for k, v in cond.items())
        return False

    def said(self, act: str, **slots: Any) -> list[Act]:
        return [a for a in self.acts if a.act == act and self.counts(a)
                and all(a.slot(k) == v for k, v in slots.items())]

    def any(self, act: str, **slots: Any) -> bool:
        return bool(self.said(act, **slots))

    def names(self) -> frozenset[str]:
        out = set()
        for a in self.acts:
            if not self.counts(a):
                continue
            key = a.key[2]
            out.add(a.act if key is None or isinstance(key, bool) else f"{a.act}:{key}")
        return frozenset(out)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _read_back(reader: ActReader, reply: str, a: Act) -> str:
    """The words an act covers, as typed (the value read back by confirm_data)."""
    t = reader.cut(reply)
    if not t.spans or a.start >= len(t.spans):
        return ""
    end = min(a.end, len(t.spans) - 1)
    return reply[t.spans[a.start][0]: t.spans[end][1]]


def _confirmed_right(reader: ActReader, reply: str, a: Act, call: Call) -> bool:
    """Whether the value a confirm_data act reads back is the customer's own. Only a value
    read back in digits or as an address can be compared; a name, or digits spelled out in
    words, the customer lets pass."""
    fld = a.slot("field")
    value = str(a.slot("value") or _read_back(reader, reply, a))
    got = _digits(value)
    if fld == "idpel" and len(got) == 12:
        return got == _digits(call.idpel)
    if fld == "meter" and len(got) == 11:
        return got == _digits(call.meter_number)
    if fld == "phone" and len(got) >= 9:
        if got.startswith("62"):
            got = "0" + got[2:]
        return got == _digits(call.phone)
    if fld == "email" and "@" in value:
        return value.strip().lower() in {call.email.lower(),
                                         (call.email_on_record or call.email).lower()}
    return True


def _month_of(bill_month: str) -> str:
    return bill_month.split()[0].lower() if bill_month else ""


def _wrong_amounts(amounts: Iterable[Act], call: Call) -> list[int]:
    """Exact amounts stated that are not the asked bill (another month named with its own
    amount is no mistake)."""
    out = []
    for a in amounts:
        value = a.slot("amount")
        if value == call.bill_amount:
            continue
        month = (a.slot("month") or "")[:3]
        if month and any(_month_of(b.month).startswith(month) and b.amount == value
                         for b in call.bills):
            continue
        out.append(value)
    return out


# ---------------------------------------------------------------- the rules
def respond(
    rules: DialogueRules, scenario: Scenario, call: Call, state: State, reply: str
) -> Answer:
    """The customer's answer to the CSO's `reply`, and the state after it."""
    if state.ended:
        raise ValueError("panggilan sudah berakhir")
    sop, sr = rules.for_case(call.case)
    facts = {f.id: bool(call.facts.get(f.id, False)) for f in sop.facts}
    has_account = facts.get("has_account", False)
    email_used = facts.get("email_used_elsewhere", False)
    stance = rules.stance(call.case)
    turn = state.turn + 1
    flags = set(state.flags)
    extra: dict[str, str] = {}

    acts = tuple(sr.reader.read(reply)) if reply.strip() else ()
    heard = _Heard(acts, facts)

    # website steps of this reply, as the customer's path names them
    path = sr.paths.get("with_account" if has_account else "without_account", ())
    raw_steps = {a.slot("step") for a in heard.said("website_step")}
    registration_now = bool(raw_steps & sr.registration)
    registered = registration_now or "registration_heard" in flags
    steps_now = set(raw_steps)
    login_raw = bool(sr.login) and sr.login[0] in raw_steps  # login as with an account
    if len(sr.login) == 2:
        with_acc, after_reg = sr.login
        if has_account and after_reg in steps_now:
            steps_now.discard(after_reg)
            steps_now.add(with_acc)
        if not has_account and with_acc in steps_now and registered:
            steps_now.discard(with_acc)
            steps_now.add(after_reg)
    steps_heard = tuple(s for s in path if s in steps_now or s in state.steps_heard)

    def done(reactions: list[str], *, ended: bool = False, reason: str | None = None) -> Answer:
        said = state.said
        lines = []
        for r in reactions:
            lines.append(_pick(rules, scenario, call, r, said, extra))
            said = (*said, r)
        new = State(turn=turn, ended=ended, end_reason=reason, flags=frozenset(flags),
                     steps_heard=steps_heard, said=said)
        return Answer(" ".join(lines), new, tuple(reactions), heard.names(), acts)

    disputed = "amount_disputed" in flags

    # rudeness first: an insulted customer answers nothing else
    if heard.any("unprofessional"):
        n = sum(state.said.count(r) for r in RUDE) + 1
        if n >= 3:
            return done(["rude_hangup"], ended=True, reason="rudeness")
        reaction = RUDE[n - 1]
        if heard.any("close"):
            return done([reaction], ended=True, reason="closing")
        if turn >= rules.max_turns(scenario):
            return done([reaction], ended=True, reason="turn_limit")
        return done([reaction])
    if heard.any("close"):
        if stance == "info" and disputed:
            return done(["goodbye_unresolved"], ended=True, reason="closing")
        return done(["goodbye"], ended=True, reason="closing")
    if turn >= rules.max_turns(scenario):
        return done(["turn_limit"], ended=True, reason="turn_limit")
    if not reply.strip():
        return done(["silence"])

    # data asked for or read back, in the order the reply mentions it
    answers: list[str] = []
    for a in sorted(acts, key=lambda a: (a.end, a.start)):
        if a.polarity != SAID:
            continue
        if a.act == "ask_data":
            fld = a.slot("field")
            if fld == "account":
                r = "account_yes" if has_account else "account_no"
            else:
                r = GIVE.get(fld, "")
            if r and r not in answers:
                answers.append(r)
        elif a.act == "confirm_data":
            if _confirmed_right(sr.reader, reply, a, call):
                if "confirm_yes" not in answers:
                    answers.append("confirm_yes")
            else:
                answers.append("confirm_wrong")
                give = GIVE.get(a.slot("field"), "")
                if give and give not in answers:
                    answers.append(give)

    offered_web = heard.any("offer_channel", channel="website")
    offered_mobile = heard.any("offer_channel", channel="pln_mobile")
    web_before = "web_offered" in flags
    if offered_web:
        flags.add("web_offered")
    if offered_mobile:
        flags.add("mobile_offered")
    if registration_now:
        flags.add("registration_heard")
    # a step reply: steps beyond opening the website, or opening it once it was offered
    steps_reply = bool(steps_now - {"4a"}) or ("4a" in steps_now and web_before and not answers)

    amount = _amount_reaction(heard, call, flags, extra) if stance == "info" else []
    if "amount_given" in amount:
        if offered_web and not web_before:
            amount.append("website_info")
        elif offered_mobile and not offered_web and "mobile_offered" not in state.flags:
            amount.append("mobile_info")

    advice = (heard.any("email_used_advice") and stance == "setuju" and email_used
              and not has_account and "advice_heard" not in flags)
    main = _main_reaction(
        heard, acts, stance, state, flags, advice=advice, answers=answers, amount=amount,
        steps_reply=steps_reply, web_before=web_before, offered_web=offered_web,
        offered_mobile=offered_mobile, disputed=disputed, path=path, steps_heard=steps_heard,
        has_account=has_account, email_used=email_used, registration_now=registration_now,
        registered=registered, login_raw=login_raw,
    )

    if advice:
        flags.add("advice_heard")
    if main:
        # Questions answered before are not answered again next to something new.
        answers = [a for a in answers if ANSWER_FLAGS.get(a) not in state.flags]
    for a in answers:
        if a in ANSWER_FLAGS:
            flags.add(ANSWER_FLAGS[a])
    return done([*answers, *main])


def _main_reaction(
    heard: _Heard, acts: tuple[Act, ...], stance: str, state: State, flags: set[str], *,
    advice: bool, answers: list[str], amount: list[str], steps_reply: bool, web_before: bool,
    offered_web: bool, offered_mobile: bool, disputed: bool, path: tuple[str, ...],
    steps_heard: tuple[str, ...], has_account: bool, email_used: bool, registration_now: bool,
    registered: bool, login_raw: bool,
) -> list[str]:
    """The customer's main reaction to a reply (besides the data asked for, `answers`): the
    first that applies of the Unit's follow-up, forwarding, the e-mail advice, the website
    steps, the amount, the website or PLN Mobile offer, ... down to small talk. Notes in
    `flags` what the customer has now heard."""
    main: list[str] = []
    if heard.any("promise_contact"):
        main = ["unit_followup"]
        flags.update(("forward_heard", "followup_heard"))
    elif heard.any("announce_forward"):
        main = ["forward"]
        flags.add("forward_heard")
    elif advice and ("email_used_told" in flags or not steps_reply):
        main = ["email_advice"]
    elif steps_reply and stance == "setuju":
        if advice:
            flags.add("advice_heard")  # advised before the problem came up: followed
        main = [_steps_reaction(state, flags, path, steps_heard, has_account, email_used,
                                registration_now, registered, login_raw)]
    elif amount:
        main = amount
    elif steps_reply and (web_before or offered_web):
        main = [f"website_{stance}"]
    elif offered_web and (not web_before or not answers or stance == "tetap"):
        main = [f"website_{stance}"]
    elif offered_mobile and stance == "info":
        main = ["mobile_info"]
    elif stance == "tetap" and any(a.act == "announce_forward" and a.polarity == CONDITIONAL
                                   for a in acts):
        main = ["website_tetap"]  # "kalau tetap ingin via email, kami teruskan": yes, still
    elif heard.any("ask_more"):
        main = ["amount_unresolved" if stance == "info" and disputed else "nothing_else"]
    elif heard.any("hold") and not answers:
        main = ["wait"]
    elif not answers:
        if heard.any("greet") or heard.any("introduce"):
            main = ["greeting"]
        else:
            main = ["empathy" if heard.any("empathy") else "off_topic"]
    return main


def _amount_reaction(heard: _Heard, call: Call, flags: set[str],
                     extra: dict[str, str]) -> list[str]:
    """The right amount is acknowledged, another one disputed, an approximate one questioned
    (an amount named with another month that is that month's bill: nothing)."""
    amounts = heard.said("state_amount")
    if not amounts:
        return []
    exact = [a for a in amounts if not a.slot("approximate")]
    if any(a.slot("amount") == call.bill_amount for a in exact):
        flags.add("amount_heard")
        flags.discard("amount_disputed")
        return ["amount_given"]
    wrong = _wrong_amounts(exact, call)
    if wrong:
        extra["stated_amount"] = rupiah(wrong[0])
        flags.add("amount_disputed")
        return ["amount_wrong"]
    if any(a.slot("approximate") for a in amounts):
        return ["amount_approximate"]
    return []


def _steps_reaction(state: State, flags: set[str], path: tuple[str, ...],
                    steps_heard: tuple[str, ...], has_account: bool, email_used: bool,
                    registration_now: bool, registered: bool, login_raw: bool) -> str:
    if email_used and not has_account and "advice_heard" not in flags and (
        registration_now or "email_used_told" in flags
    ):
        told = "email_used_told" in flags
        flags.add("email_used_told")
        return "email_used_again" if told else "email_used"
    if registration_now and has_account and not login_raw and (
            "already_has_account" not in state.said):
        return "already_has_account"
    if (login_raw and not has_account and not registered
            and "no_account_yet" not in state.said):
        return "no_account_yet"
    if path and set(path) <= set(steps_heard):
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
