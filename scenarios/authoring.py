"""Writing content in the browser, without the browser: drafts, form edits, checks and previews.

A draft is YAML text. The editor's form fields change that text through `set_values`, which
edits the parsed document in place (ruamel.yaml round trip), so comments, key order, quoting
and every field the trainer did not touch stay exactly as they were: a diff between two
versions shows only what was changed. The YAML view edits the same text directly.

`check_draft` validates a draft with the very loader `cso-trainer validate` uses
(`scenarios.library.load_scenario_text`), so the form, the YAML view, the import and the CLI
agree on what is valid; its messages are turned into Indonesian where pydantic speaks English.
`preview` generates the call a trainee would get for a seed and plays sample replies against
the dialogue rules.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent

from scenarios.models import (
    DIFFICULTIES,
    FACT_REACTIONS,
    REACTIONS,
    REQUIRED_REACTIONS,
    STANCE_REACTIONS,
    DialogueData,
    Scenario,
)
from sop.library import Library
from sop.yamlfile import (
    CONSTRUCT_ERRORS,
    ContentError,
    Problem,
    bad_value,
    guard_node,
    parse_yaml,
    too_large,
    translate,
)

MAX_SCENARIO_CHARS = 100_000
MAX_SOP_CHARS = 400_000
DRAFT_FILE = "<editor>"

# Top-level keys of a scenario file, in the order a new key is inserted.
SCENARIO_KEYS = ("id", "title", "case", "status", "difficulty", "persona", "facts",
                 "email_on_record", "max_turns", "opening", "reactions", "hints")
PERSONA_KEYS = ("style", "gender", "description")

REACTION_LABELS = {
    "greeting": "CSO hanya menyapa/memperkenalkan diri: pelanggan mengulang permintaannya",
    "off_topic": "Balasan tidak dipahami: pelanggan mengulang atau bertanya",
    "silence": "Balasan kosong",
    "give_name": "Ditanya nama",
    "give_idpel": "Ditanya ID Pelanggan",
    "give_email": "Ditanya alamat email (juga \"mau diganti jadi apa?\")",
    "give_phone": "Ditanya nomor HP",
    "give_address": "Ditanya alamat",
    "give_meter": "Ditanya nomor meter",
    "account_yes": "Ditanya akun website: sudah punya",
    "account_no": "Ditanya akun website: belum punya",
    "confirm_yes": "CSO mengonfirmasi data dengan benar: \"Iya, betul\"",
    "confirm_wrong": "CSO mengonfirmasi data yang keliru: pelanggan membetulkan",
    "website_setuju": "Website ditawarkan: setuju lalu bertanya caranya",
    "website_tetap": "Website ditawarkan: tetap minta email",
    "website_info": "Website ditawarkan: mencatat",
    "mobile_info": "Hanya PLN Mobile ditawarkan: mencatat",
    "website_keluhan": "Website ditawarkan: kembali ke keluhannya",
    "steps_next": "Sebagian langkah website diberikan: mengikuti, bertanya lanjutannya",
    "steps_done": "Semua langkah yang perlu (termasuk 4j) sudah diberikan: tagihan terlihat",
    "email_used": "Langkah pendaftaran: email sudah terdaftar (pertama kali)",
    "email_used_again": "Langkah berikutnya padahal masih tertahan: tetap ditolak",
    "email_advice": "Disarankan email lain / kantor PLN terdekat",
    "already_has_account": "Diberi langkah daftar padahal sudah punya akun",
    "no_account_yet": "Diberi langkah masuk padahal belum punya akun",
    "forward": "Diberi tahu permintaan diteruskan ke Unit",
    "unit_followup": "Diberi tahu Unit akan menghubungi",
    "amount_given": "Jumlah tagihan yang benar disebutkan",
    "amount_wrong": "Jumlah tagihan yang salah disebutkan: membantah ({stated_amount})",
    "amount_approximate": "Jumlah tagihan hanya perkiraan: menanyakan angka pastinya",
    "amount_unresolved": "Ditanya \"ada lagi?\" padahal jumlah tagihan masih dibantah",
    "nothing_else": "Ditanya \"ada lagi?\": tidak ada",
    "wait": "Diminta menunggu",
    "empathy": "CSO hanya meminta maaf/berempati",
    "rude_complaint": "CSO tidak profesional (pertama kali): pelanggan protes",
    "rude_supervisor": "CSO tidak profesional (kedua kali): minta bicara dengan atasan",
    "rude_hangup": "CSO tidak profesional (ketiga kali): pelanggan menutup telepon",
    "goodbye": "CSO menutup panggilan: pamit",
    "goodbye_unresolved": "CSO menutup padahal jumlah tagihan masih dibantah: pamit tanpa "
                          "terima kasih",
    "turn_limit": "Terlalu lama: pelanggan menutup panggilan",
}
DIFFICULTY_LABELS = {"mudah": "Mudah", "sedang": "Sedang", "sulit": "Sulit"}
GENDER_LABELS = {"acak": "Acak", "pria": "Pria", "wanita": "Wanita"}
EMAIL_ON_RECORD_LABELS = {
    "tidak_ada": "Belum ada email Invoice tercatat",
    "sama": "Email tercatat sama dengan email pelanggan",
    "lama": "Email tercatat lama / salah ketik",
}


# ---------------------------------------------------------------- YAML round trip
class _GuardedComposer(Composer):
    """ruamel's composer with the guards of `sop.yamlfile.parse_yaml`: no alias, no deep
    nesting (refused before anything is built)."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False  # an anchor is harmless when no alias can use it

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        alias = event.anchor if isinstance(event, AliasEvent) else None
        guard_node(getattr(self.loader, "content_file", DRAFT_FILE), alias=alias,
                   line=event.start_mark.line, depth=self.depth + 1)
        return super().compose_node(parent, index)


class _GuardedConstructor(RoundTripConstructor):
    """A value ruamel cannot turn into data is a content error on its line."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except CONSTRUCT_ERRORS as exc:
            raise bad_value(getattr(self.loader, "content_file", DRAFT_FILE), node,
                            exc) from None


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Composer = _GuardedComposer
    y.Constructor = _GuardedConstructor
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap a long line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def load_rt(text: str, file: str = DRAFT_FILE) -> Any:
    """The document as ruamel's round-trip objects (raise ruamel's YAMLError if broken, and
    ContentError on an alias, too deep nesting or too large a text)."""
    big = too_large(text, file)
    if big is not None:
        raise ContentError([big])
    y = _yaml()
    y.content_file = file
    return y.load(text)


def dump_rt(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    """Python values as ruamel should write them: lists and dicts in block style."""
    if isinstance(value, Mapping):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _plain(v)
        return m
    if isinstance(value, list | tuple):
        return CommentedSeq(_plain(v) for v in value)
    return value


def _put(mapping: CommentedMap, key: Any, value: Any, order: Sequence[str] = ()) -> None:
    if value is None:
        if key in mapping:
            del mapping[key]
        return
    value = _plain(value)
    if key in mapping:
        old = mapping[key]
        flow = isinstance(old, CommentedSeq) and old.fa.flow_style()
        if flow and isinstance(value, CommentedSeq):
            value.fa.set_flow_style()
        mapping[key] = value
        return
    if key in order:
        later = order[order.index(key) + 1:]
        keys = list(mapping.keys())
        pos = next((i for i, k in enumerate(keys) if k in later), len(keys))
        mapping.insert(pos, key, value)
    else:
        mapping[key] = value


def set_values(text: str, changes: Mapping[tuple, Any]) -> str:
    """The text with each field path set to its value (None deletes it); the rest unchanged.

    Paths are tuples of keys and list indexes, e.g. ("persona", "description") or
    ("cases", 2, "rubric", "pass_mark"). Missing mappings on the way are created.
    Raises ContentError when the text is not a YAML mapping.
    """
    try:
        doc = load_rt(text) if text.strip() else CommentedMap()
    except YAMLError as exc:
        raise ContentError([Problem(DRAFT_FILE, 1, "(yaml)", f"YAML tidak valid: {exc}")]) from None
    if not isinstance(doc, CommentedMap):
        raise ContentError([Problem(DRAFT_FILE, 1, "(dokumen)", "isi harus berupa mapping YAML")])
    for path, value in changes.items():
        node = doc
        for i, part in enumerate(path[:-1]):
            nxt = node[part] if _has(node, part) else None
            if not isinstance(nxt, CommentedMap | CommentedSeq):
                if value is None:
                    break
                nxt = CommentedMap()
                _put(node, part, nxt, SCENARIO_KEYS if i == 0 else ())
                nxt = node[part]
            node = nxt
        else:
            last = path[-1]
            if isinstance(node, CommentedSeq):
                node[last] = _plain(value)
            else:
                order = SCENARIO_KEYS if len(path) == 1 else (
                    PERSONA_KEYS if path[0] == "persona" else ())
                _put(node, last, value, order)
    return dump_rt(doc)


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, CommentedSeq):
        return isinstance(part, int) and -len(node) <= part < len(node)
    return part in node


def to_plain(data: Any) -> Any:
    """ruamel's objects as plain dicts, lists and scalars (for comparing and showing)."""
    if isinstance(data, Mapping):
        return {str(k): to_plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [to_plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    return data


# ---------------------------------------------------------------- messages
def indonesian(problems: Iterable[Problem]) -> list[Problem]:
    return [replace(p, message=translate(p.message)) for p in problems]


# ---------------------------------------------------------------- checking a draft
@dataclass
class Draft:
    """A checked draft: the scenario when valid, else the problems (line, field, message)."""

    text: str
    scenario: Scenario | None = None
    data: dict[str, Any] | None = None  # the parsed document when it is a mapping
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not self.problems

    def problems_at(self, prefix: str) -> list[Problem]:
        """Problems of one field and everything under it ("reactions.greeting" also gets
        "reactions.greeting[1]")."""
        return [p for p in self.problems if field_matches(p.field, prefix)]


def field_matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".") or name.startswith(prefix + "[")


def too_big(text: str, limit: int) -> Problem | None:
    if len(text) > limit:
        return Problem(DRAFT_FILE, 1, "(dokumen)",
                       f"teks terlalu besar ({len(text):,} karakter; maksimal {limit:,})"
                       .replace(",", "."))
    return None


def check_draft(
    text: str, *, sops: Library, dialogue: DialogueData, file: str = DRAFT_FILE,
    taken: Collection[str] = (),
) -> Draft:
    """Validate a scenario draft exactly as `cso-trainer validate` does; never raises.

    `taken`: the ids of the scenarios that already exist, which a new scenario may not use
    (reported at its ID field, before any save is tried)."""
    from scenarios.library import labelled, load_scenario_text

    draft = Draft(text)
    big = too_big(text, MAX_SCENARIO_CHARS)
    if big is not None and len(text) > 20 * MAX_SCENARIO_CHARS:
        draft.problems = [big]  # too big even to look for the field that makes it so
        return draft
    try:
        data, _ = parse_yaml(text, file)
    except ContentError as exc:
        draft.problems = [*([big] if big else []), *exc.problems]
        return draft
    draft.data = data if isinstance(data, dict) else None
    try:
        scenario = load_scenario_text(text, file, sop_library=sops, dialogue=dialogue)
    except ContentError as exc:
        draft.problems = indonesian(exc.problems)
    else:
        draft.scenario = None if big else scenario
    sid = (draft.data or {}).get("id")
    if isinstance(sid, str) and sid.strip() in taken and not draft.problems_at("id"):
        _, lines = parse_yaml(text, file)
        draft.problems[:0] = labelled([Problem(
            file, lines.line(("id",)), "id",
            f"'{sid.strip()}' sudah dipakai skenario lain; pilih ID lain")])
        draft.scenario = None
    if big is not None:
        draft.problems.insert(0, big)
    return draft


# ---------------------------------------------------------------- what the form offers
def relevant_reactions(case_id: str, facts: Mapping[str, bool], dialogue: DialogueData
                       ) -> list[str]:
    """The reactions a scenario of this case and these facts can use, in REACTIONS order."""
    stance = dialogue.stances.get(case_id, dialogue.default_stance)
    out = []
    for name in REACTIONS:
        need = STANCE_REACTIONS.get(name)
        if need is not None and need != stance:
            continue
        fact = FACT_REACTIONS.get(name)
        if fact is not None and bool(facts.get(fact[0], False)) != fact[1]:
            continue
        out.append(name)
    return out


def lines_of(text: str) -> list[str]:
    """A text area of alternatives, one per line, as a list (blank lines left out)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def text_of(lines: Any) -> str:
    if not isinstance(lines, list):
        return "" if lines is None else str(lines)
    return "\n".join(str(x) for x in lines)


def new_scenario_text(case_id: str = "", *, scenario_id: str = "") -> str:
    """A blank scenario to fill in (not valid until the trainer writes the customer's lines)."""
    return dump_rt(_plain({
        "id": scenario_id,
        "title": "",
        "case": case_id,
        "status": "aktif",
        "difficulty": "sedang",
        "persona": {"style": "sopan", "gender": "acak", "description": ""},
        "opening": [],
        "reactions": {name: [] for name in REQUIRED_REACTIONS},
    }))


def duplicate_text(text: str, new_id: str) -> str:
    """A copy of a scenario under another id, marked as a copy in its title, active."""
    doc = load_rt(text)
    title = str(doc.get("title") or "")
    return set_values(text, {("id",): new_id, ("title",): f"{title} (salinan)".strip(),
                             ("status",): "aktif"})


__all__ = [
    "DIFFICULTIES",
    "DIFFICULTY_LABELS",
    "Draft",
    "MAX_SCENARIO_CHARS",
    "REACTION_LABELS",
    "check_draft",
    "dump_rt",
    "duplicate_text",
    "lines_of",
    "load_rt",
    "new_scenario_text",
    "relevant_reactions",
    "set_values",
    "text_of",
    "translate",
]


# ---------------------------------------------------------------- preview
@dataclass(frozen=True)
class PreviewTurn:
    reply: str  # what the CSO said
    answer: str  # what the customer answered
    reactions: tuple[str, ...]  # the dialogue rules that made the answer
    ended: bool


@dataclass(frozen=True)
class Preview:
    """The call a trainee would get for a seed, and the customer's answers to sample replies."""

    call: Any  # scenarios.generator.Call
    turns: tuple[PreviewTurn, ...]

    @property
    def ended(self) -> bool:
        return bool(self.turns) and self.turns[-1].ended


def preview(
    scenario: Scenario, seed: int, *, sops: Library, rules: Any, replies: Sequence[str] = ()
) -> Preview:
    """Generate the call of `scenario` for `seed` and replay `replies` (stops when it ends)."""
    from scenarios.dialogue import replay
    from scenarios.generator import generate_call

    found = sops.find_case(scenario.case)
    if found is None:
        raise ValueError(f"kasus '{scenario.case}' tidak ada di SOP")
    call = generate_call(scenario, seed, sop=found[0])
    answers = replay(rules, scenario, call, [r for r in replies if r.strip()])
    kept = [r for r in replies if r.strip()]
    turns = tuple(PreviewTurn(kept[i], a.line, a.reactions, a.ended)
                  for i, a in enumerate(answers))
    return Preview(call, turns)
