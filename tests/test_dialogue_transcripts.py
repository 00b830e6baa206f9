"""Complete calls replayed against the simulated customer, every customer line checked.

The transcripts live as data in tests/data/transcripts.yaml: the CSO's replies and, per turn,
the reactions the customer must answer with (and for some, words the line must or must not
contain). Each transcript is replayed with two call seeds, so it holds whatever name, IDPEL,
e-mail or amount the generator draws. Every line is also checked to be made of the scenario's
(or the default) alternatives for exactly those reactions, filled from the call.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scenarios.dialogue import load_dialogue_rules, replay
from scenarios.generator import generate_call, rupiah
from scenarios.library import load_scenarios
from sop.library import load_library

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "transcripts.yaml"
TRANSCRIPTS = yaml.safe_load(DATA.read_text(encoding="utf-8"))
SEEDS = (1, 29)


@pytest.fixture(scope="module")
def world():
    sops = load_library([ROOT / "sop" / "library"])
    scenarios = load_scenarios([ROOT / "scenarios" / "library"], sop_library=sops)
    assert scenarios.problems == []
    return sops, scenarios, load_dialogue_rules(sops)


def _values(call) -> dict[str, str]:
    wrong_idpel = ("9" if call.idpel[0] != "9" else "8") + call.idpel[1:]
    return {**call.placeholders(), "wrong_amount": rupiah(call.bill_amount + 57_000),
            "wrong_idpel": wrong_idpel, "wrong_email": "orang.lain@contoh.net"}


def _alternatives(rules, scenario, reaction: str) -> list[str]:
    return (scenario.reactions.get(reaction) or rules.data.defaults.get(reaction)
            or scenario.reactions["off_topic"])


def _made_of(line: str, reactions: tuple[str, ...], options) -> bool:
    """Whether `line` is one alternative per reaction, joined by spaces."""
    if not reactions:
        return line == ""
    first, rest = reactions[0], reactions[1:]
    for alt in options(first):
        if not rest and line == alt:
            return True
        if rest and line.startswith(alt + " ") and _made_of(line[len(alt) + 1:], rest, options):
            return True
    return False


def _filled(text: str, values: dict[str, str]) -> str:
    return text.format_map(values) if "{" in text else text


def test_the_transcripts_cover_every_case_every_persona_and_both_kinds_of_agent(world):
    sops, scenarios, _ = world
    ids = [t["id"] for t in TRANSCRIPTS]
    assert len(ids) == len(set(ids))
    assert all(scenarios.get(t["scenario"]) for t in TRANSCRIPTS)
    complete = [t for t in TRANSCRIPTS if t.get("ended")]
    assert len(complete) >= 30  # complete calls: each one ends
    used = [scenarios.get(t["scenario"]) for t in complete]
    assert {s.case for s in used} == set(sops.case_ids())
    assert {s.persona.style for s in used} >= {"sopan", "terburu-buru", "lansia-bingung-website",
                                               "kesal"}
    for case in sops.case_ids():  # every case with a good agent and another one
        kinds = {t["agent"].startswith("baik") for t, s in zip(complete, used, strict=True)
                 if s.case == case}
        assert kinds == {True, False}, case
    reactions = {r for t in complete for turn in t["turns"] for r in turn["expect"]}
    for needed in ("confirm_yes", "amount_wrong", "rude_complaint", "rude_supervisor",
                   "rude_hangup", "email_used", "email_used_again", "email_advice",
                   "already_has_account", "no_account_yet", "steps_done", "forward",
                   "unit_followup", "goodbye_unresolved", "confirm_wrong"):
        assert needed in reactions, needed


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("transcript", TRANSCRIPTS, ids=[t["id"] for t in TRANSCRIPTS])
def test_transcript(world, transcript, seed):
    sops, scenarios, rules = world
    scenario = scenarios.get(transcript["scenario"])
    call = generate_call(scenario, seed, sop=sops.find_case(scenario.case)[0])
    values = _values(call)
    turns = transcript["turns"]
    replies = [_filled(t["cso"], values) for t in turns]
    answers = replay(rules, scenario, call, replies)

    def options(reaction: str) -> list[str]:
        alts = _alternatives(rules, scenario, reaction)
        extra = {"stated_amount": values["wrong_amount"]} if reaction == "amount_wrong" else {}
        return [x.format_map({**call.placeholders(), **extra}) if "{" in x else x for x in alts]

    log = "\n".join(f"  CSO: {r}\n  -> {a.reactions} {a.line}" for r, a in zip(replies, answers,
                                                                               strict=False))
    assert len(answers) == len(turns), f"the call ended early:\n{log}"
    for i, (turn, answer) in enumerate(zip(turns, answers, strict=True)):
        where = f"{transcript['id']} turn {i + 1} ({turn['cso']!r}):\n{log}"
        assert answer.reactions == tuple(turn["expect"]), where
        assert _made_of(answer.line, answer.reactions, options), where
        low = answer.line.lower()
        for text in turn.get("says", []):
            assert _filled(text, values).lower() in low, where
        for text in turn.get("not_says", []):
            assert _filled(text, values).lower() not in low, where
        if i < len(turns) - 1:
            assert not answer.ended, where
    last = answers[-1].state
    assert last.ended == bool(transcript.get("ended")), log
    assert last.end_reason == transcript.get("ended"), log
