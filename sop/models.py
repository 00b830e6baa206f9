"""Typed model of an SOP content file (sop/library/*.yaml).

The ids of steps, cases, criteria, APKT actions and sub issue types are the canonical ids of
../shared/sop-reading.md. Structural rules live in the pydantic models; rules that relate one
part of the file to another live in `check_sop`, which reports the exact field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

CRITERION_IDS = (
    "apkt_action",
    "sub_issue_type",
    "bill_amount",
    "self_service_channel",
    "website_offered_first",
    "website_steps",
    "email_used_advice",
    "apkt_data",
    "unit_followup",
    "service_greeting",
    "service_verification",
    "service_closing",
    "service_conduct",
)
# The service standard: a training standard, not SOP text, applied to every case.
SERVICE_CRITERIA = ("service_greeting", "service_verification", "service_closing",
                    "service_conduct")
CriterionId = Literal[
    "apkt_action",
    "sub_issue_type",
    "bill_amount",
    "self_service_channel",
    "website_offered_first",
    "website_steps",
    "email_used_advice",
    "apkt_data",
    "unit_followup",
    "service_greeting",
    "service_verification",
    "service_closing",
    "service_conduct",
]
PATH_KEYS = ("with_account", "without_account")

Id = str
NonEmpty = Field(min_length=1)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Labelled(Model):
    id: Id = Field(min_length=1, max_length=80)
    label: str = Field(min_length=1, max_length=200)


class GlossaryEntry(Model):
    term: str = Field(min_length=1, max_length=100)
    meaning: str = Field(min_length=1, max_length=2000)


class Assumption(Model):
    id: Id = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    cases: list[Id] = []


class Fact(Model):
    id: Id = Field(min_length=1, max_length=80)
    label: str = Field(min_length=1, max_length=200)


class CriterionDef(Model):
    label: str = Field(min_length=1, max_length=200)
    sop_ref: Id | None = None
    # Older SOP versions carried word cues here; the act reader (the `acts:` section) reads
    # replies now, so these are accepted for old versions and not read.
    cues: list[str] = []
    forward_cues: list[str] = []
    paths: dict[Literal["with_account", "without_account"], list[Id]] | None = None


PHRASE_ACTS = {
    "greet": ("-",),
    "introduce": ("-",),
    "ask_data": ("name", "idpel", "email", "account", "phone", "address", "meter"),
    "announce_forward": ("unit", "keluhan"),
    "promise_contact": ("unit",),
    "email_used_advice": ("other_email", "office"),
    "ask_more": ("-",),
    "close": ("-",),
    "empathy": ("-",),
    "hold": ("-",),
    "unprofessional": ("dismissive", "rude", "blame", "other_language"),
}
def _comma_list(v: object) -> object:
    """A word list written as one folded string, "lupa, masalah, usah khawatir" (the SOP file
    keeps long lists that way so editing the file in the browser never reflows them)."""
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return v


Words = Annotated[list[str], BeforeValidator(_comma_list)]


class ActLexicon(Model):
    """The `acts:` section: every phrasing the act reader (scoring/acts.py) knows. A phrasing
    is words in order; "a|b" is either word, "..." lets up to four words stand between."""

    spellings: dict[str, str] = {}
    negators: Words = Field(min_length=1)
    neutral_after_negator: Words = []
    clause_breakers: Words = []
    conditions: Words = Field(min_length=1)
    reasons: Words = []
    question_markers: Words = []
    invitations: Words = []
    offer_frames: Words = Field(min_length=1)
    failures: Words = []
    account_words: Words = []
    will_words: Words = []
    insist_words: Words = []
    cso_self: Words = []
    not_forwarded: Words = []
    caps_allowed: Words = []
    honorifics: Words = []
    data_fields: dict[Literal["name", "idpel", "email", "account", "phone", "address", "meter"],
                      Words] = {}
    ask_frames: Words = []
    # asking for an e-mail address in particular ("emailnya bisa dieja?")
    email_ask_frames: Words = []
    no_need: Words = []
    other_purposes: Words = []
    temporal_markers: Words = []
    confirm_markers: Words = []
    forward_targets: Words = []
    complaint_words: Words = []
    openers: Words = []
    past_context: Words = []
    apologies: Words = []
    polite_prefix: Words = []
    trouble: Words = []
    regional_words: Words = []
    unit_words: Words = []
    english_words: Words = []
    indonesian_words: Words = []
    channels: dict[Literal["website", "pln_mobile"], Words] = Field(min_length=1)
    phrases: dict[str, dict[str, Words]] = {}
    login_steps: list[Id] = []
    registration_steps: list[Id] = []


class Step(Model):
    id: Id = Field(min_length=1, max_length=40)
    title: str | None = None
    text: str = Field(min_length=1, max_length=4000)
    decision: str | None = None
    when: dict[str, bool] = {}
    cues: list[str] = []
    substeps: list[Step] = []


class Expected(Model):
    action: Id
    sub_issue_type: Id | None = None
    assumption: Id | None = None


class RubricCriterion(Model):
    weight: float = Field(ge=0, le=1000)
    critical: bool = False
    sop_ref: Id | None = None
    cues: list[str] | None = None
    when: dict[str, bool] = {}
    require_email: bool = False


class Rubric(Model):
    pass_mark: float = Field(ge=0, le=100)
    criteria: dict[CriterionId, RubricCriterion] = Field(min_length=1)


class ServiceStandard(Model):
    """Criteria of the service standard, added to every case's rubric (a case may override
    one in its own rubric). Shown as "standar layanan pelatihan, bukan teks SOP"."""

    title: str = Field(min_length=1, max_length=200)
    note: str = Field(min_length=1, max_length=2000)
    criteria: dict[CriterionId, RubricCriterion] = {}


class Case(Model):
    id: Id = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    customer_goal: str = Field(min_length=1, max_length=1000)
    sop_step: Id
    flow_label: str | None = None
    facts: list[Id] = []
    expected: Expected
    rubric: Rubric


class Source(Model):
    file: str | None = None
    note: str | None = None
    text: str = Field(min_length=1)


class Sop(Model):
    id: Id = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=300)
    issuer: str = Field(min_length=1, max_length=300)
    date: dt.date
    version: int = Field(ge=1)
    apkt_actions: list[Labelled] = Field(min_length=1)
    sub_issue_types: list[Labelled] = []
    glossary: list[GlossaryEntry] = []
    assumptions: list[Assumption] = []
    cue_sets: dict[str, list[str]] = {}  # older versions only (see CriterionDef.cues)
    acts: ActLexicon | None = None
    service_standard: ServiceStandard | None = None
    criteria: dict[CriterionId, CriterionDef] = {}
    facts: list[Fact] = []
    steps: list[Step] = Field(min_length=1)
    cases: list[Case] = Field(min_length=1)
    source: Source

    # ---- look-ups used by the scorer, the CLI and the pages ----
    def all_steps(self) -> Iterator[tuple[Step, Step | None]]:
        """Every step with its parent (None for a top-level step), in SOP order."""
        for step in self.steps:
            yield step, None
            for sub in step.substeps:
                yield sub, step

    def step(self, step_id: str) -> Step | None:
        return next((s for s, _ in self.all_steps() if s.id == step_id), None)

    def rubric_for(self, case: Case) -> dict[str, RubricCriterion]:
        """The case's criteria, then the service standard's (unless the case sets them)."""
        out = dict(case.rubric.criteria)
        if self.service_standard is not None:
            for cid, rc in self.service_standard.criteria.items():
                out.setdefault(cid, rc)
        return out

    def case(self, case_id: str) -> Case | None:
        return next((c for c in self.cases if c.id == case_id), None)

    def action_label(self, action_id: str | None) -> str:
        return next((a.label for a in self.apkt_actions if a.id == action_id), str(action_id))

    def sub_issue_label(self, sub_id: str | None) -> str:
        if sub_id is None:
            return "-"
        return next((a.label for a in self.sub_issue_types if a.id == sub_id), sub_id)

    def assumption(self, assumption_id: str | None) -> Assumption | None:
        return next((a for a in self.assumptions if a.id == assumption_id), None)

    def expand_cues(self, cues: list[str]) -> list[str]:
        """Replace "@name" entries with the named cue set."""
        out: list[str] = []
        for cue in cues:
            if cue.startswith("@"):
                out.extend(self.cue_sets.get(cue[1:], []))
            else:
                out.append(cue)
        return out


def _dupes(ids: list[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            yield i, x
        seen.add(x)


def check_sop(sop: Sop) -> Iterator[tuple[tuple, str]]:
    """Cross-references inside one SOP file, as (field path, message)."""
    action_ids = {a.id for a in sop.apkt_actions}
    sub_ids = {s.id for s in sop.sub_issue_types}
    fact_ids = {f.id for f in sop.facts}
    case_ids = {c.id for c in sop.cases}
    step_ids = [s.id for s, _ in sop.all_steps()]
    assumption_ids = {a.id for a in sop.assumptions}

    for i, x in _dupes([a.id for a in sop.apkt_actions]):
        yield ("apkt_actions", i, "id"), f"id '{x}' dipakai lebih dari sekali"
    for i, x in _dupes([c.id for c in sop.cases]):
        yield ("cases", i, "id"), f"id kasus '{x}' dipakai lebih dari sekali"
    if len(set(step_ids)) != len(step_ids):
        dup = sorted({x for x in step_ids if step_ids.count(x) > 1})
        yield ("steps",), f"id langkah dipakai lebih dari sekali: {', '.join(dup)}"

    def check_cues(cues: list[str], loc: tuple) -> Iterator[tuple[tuple, str]]:
        for j, cue in enumerate(cues):
            if cue.startswith("@") and cue[1:] not in sop.cue_sets:
                yield (*loc, j), f"kumpulan cue '{cue[1:]}' tidak ada di cue_sets"
            elif not cue.replace("...", "").strip():
                yield (*loc, j), "cue kosong"

    for name, cues in sop.cue_sets.items():
        for j, cue in enumerate(cues):
            if cue.startswith("@"):
                yield ("cue_sets", name, j), "cue_sets tidak boleh merujuk kumpulan lain"
            elif not cue.replace("...", "").strip():
                yield ("cue_sets", name, j), "cue kosong"

    for cid, crit in sop.criteria.items():
        yield from check_cues(crit.cues, ("criteria", cid, "cues"))
        yield from check_cues(crit.forward_cues, ("criteria", cid, "forward_cues"))
        if crit.sop_ref and crit.sop_ref not in step_ids:
            yield ("criteria", cid, "sop_ref"), f"langkah '{crit.sop_ref}' tidak ada di steps"
        for key, path in (crit.paths or {}).items():
            for j, sid in enumerate(path):
                if sid not in step_ids:
                    yield ("criteria", cid, "paths", key, j), f"langkah '{sid}' tidak ada"
    if "website_steps" in sop.criteria and not sop.criteria["website_steps"].paths:
        yield ("criteria", "website_steps", "paths"), "website_steps memerlukan paths"

    if sop.service_standard is not None:
        for cid in sop.service_standard.criteria:
            if cid not in SERVICE_CRITERIA:
                yield ("service_standard", "criteria", cid), (
                    "hanya kriteria standar layanan: " + ", ".join(SERVICE_CRITERIA))
    if sop.acts is not None:
        for act, by_value in sop.acts.phrases.items():
            if act not in PHRASE_ACTS:
                yield ("acts", "phrases", act), (
                    f"tindakan '{act}' tidak dikenal; yang ada: " + ", ".join(PHRASE_ACTS))
                continue
            for value, phrases in by_value.items():
                if value not in PHRASE_ACTS[act]:
                    yield ("acts", "phrases", act, value), (
                        f"nilai '{value}' tidak dikenal untuk {act}; yang ada: "
                        + ", ".join(PHRASE_ACTS[act]))
                for j, phrase in enumerate(phrases):
                    if not phrase.replace("...", "").replace("|", "").strip():
                        yield ("acts", "phrases", act, value, j), "frasa kosong"
        for name in ("login_steps", "registration_steps"):
            for j, sid in enumerate(getattr(sop.acts, name)):
                if sid not in step_ids:
                    yield ("acts", name, j), f"langkah '{sid}' tidak ada di steps"

    for i, step in enumerate(sop.steps):
        yield from _check_step(step, ("steps", i), fact_ids, check_cues)

    for i, a in enumerate(sop.assumptions):
        for j, cid in enumerate(a.cases):
            if cid not in case_ids:
                yield ("assumptions", i, "cases", j), f"kasus '{cid}' tidak ada di cases"

    for i, case in enumerate(sop.cases):
        loc = ("cases", i)
        if case.sop_step not in step_ids:
            yield (*loc, "sop_step"), f"langkah '{case.sop_step}' tidak ada di steps"
        for j, f in enumerate(case.facts):
            if f not in fact_ids:
                yield (*loc, "facts", j), f"fakta '{f}' tidak ada di facts"
        exp = case.expected
        if exp.action not in action_ids:
            yield (*loc, "expected", "action"), (
                f"tindakan APKT '{exp.action}' tidak dikenal; pilih salah satu: "
                + ", ".join(sorted(action_ids))
            )
        if exp.sub_issue_type is not None and exp.sub_issue_type not in sub_ids:
            yield (*loc, "expected", "sub_issue_type"), (
                f"sub issue type '{exp.sub_issue_type}' tidak dikenal"
            )
        if exp.assumption is not None and exp.assumption not in assumption_ids:
            yield (*loc, "expected", "assumption"), f"asumsi '{exp.assumption}' tidak ada"
        crits = case.rubric.criteria
        if "apkt_action" not in crits:
            yield (*loc, "rubric", "criteria"), "setiap kasus harus menilai apkt_action"
        if "sub_issue_type" in crits and exp.sub_issue_type is None:
            yield (*loc, "rubric", "criteria", "sub_issue_type"), (
                "kasus tanpa expected.sub_issue_type tidak dapat menilai sub_issue_type"
            )
        if sum(c.weight for c in crits.values()) <= 0:
            yield (*loc, "rubric", "criteria"), "jumlah bobot harus lebih dari 0"
        for cid, rc in crits.items():
            cloc = (*loc, "rubric", "criteria", cid)
            if cid not in sop.criteria and cid not in ("apkt_action",):
                yield cloc, f"kriteria '{cid}' belum didefinisikan di criteria"
            if rc.sop_ref and rc.sop_ref not in step_ids:
                yield (*cloc, "sop_ref"), f"langkah '{rc.sop_ref}' tidak ada di steps"
            for f in rc.when:
                if f not in fact_ids:
                    yield (*cloc, "when", f), f"fakta '{f}' tidak ada di facts"
            if rc.cues is not None:
                yield from check_cues(rc.cues, (*cloc, "cues"))


def _check_step(step: Step, loc: tuple, fact_ids: set[str], check_cues):
    for f in step.when:
        if f not in fact_ids:
            yield (*loc, "when", f), f"fakta '{f}' tidak ada di facts"
    yield from check_cues(step.cues, (*loc, "cues"))
    for j, sub in enumerate(step.substeps):
        if sub.substeps:
            yield (*loc, "substeps", j, "substeps"), "langkah hanya boleh bertingkat dua"
        yield from _check_step(sub, (*loc, "substeps", j), fact_ids, check_cues)
