"""Load scenario files into a ScenarioLibrary; a bad file is reported and the good ones still load.

A scenario is checked against the SOP library it names a case of: an unknown case id, a fact
the SOP does not know or the case does not vary, an unknown reaction or criterion
each give `file:line: field: message`, like the SOP files.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from scenarios.labels import field_label
from scenarios.models import (
    FACT_REACTIONS,
    PLACEHOLDERS,
    REACTIONS,
    REQUIRED_REACTIONS,
    STANCE_REACTIONS,
    DialogueData,
    PeopleData,
    Persona,
    Scenario,
    TariffTable,
    misplaced_placeholders,
    placeholders_in,
    reactions_for_placeholder,
)
from sop.library import Library, load_library
from sop.yamlfile import (
    ContentError,
    Problem,
    load_model,
    parse_yaml,
    read_text,
    yaml_files,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DIALOGUE_FILE = DATA_DIR / "dialogue.yaml"
TARIFF_FILE = DATA_DIR / "tariffs.yaml"
PEOPLE_FILE = DATA_DIR / "people.yaml"

_lock = threading.Lock()
_data_cache: dict[tuple, object] = {}


def _file_key(path: Path) -> tuple:
    try:
        st = path.stat()
        return (str(path.resolve()), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), 0, 0)


def _cached(kind: str, key: tuple, build, pin: object = None):
    """Parse a data file once while it does not change (`pin` keeps a key object alive)."""
    with _lock:
        hit = _data_cache.get((kind, key))
    if hit is not None:
        return hit[0]
    value = build()
    with _lock:
        if len(_data_cache) > 64:
            _data_cache.clear()
        _data_cache[(kind, key)] = (value, pin)
    return value


# ---------------------------------------------------------------- data files
def check_dialogue(sop_library: Library):
    """Cross-checks of dialogue.yaml against the SOPs: case ids and persona ids."""

    def check(data: DialogueData) -> Iterator[tuple[tuple, str]]:
        cases = set(sop_library.case_ids())
        for case_id in data.stances:
            if cases and case_id not in cases:
                yield ("stances", case_id), f"kasus '{case_id}' tidak ada di SOP"
        seen: set[str] = set()
        for i, p in enumerate(data.personas):
            if p.id in seen:
                yield ("personas", i, "id"), f"persona '{p.id}' dipakai lebih dari sekali"
            seen.add(p.id)
        for name, lines in data.defaults.items():
            for i, line in enumerate(lines):
                for ph in misplaced_placeholders(name, line):
                    yield ("defaults", name, i), _misplaced(ph)

    return check


def _misplaced(placeholder: str) -> str:
    only = ", ".join(reactions_for_placeholder(placeholder))
    return f"{{{placeholder}}} hanya boleh dipakai di reaksi {only}"


def load_dialogue_data(
    path: Path | None = None, *, sop_library: Library | None = None
) -> DialogueData:
    """dialogue.yaml, validated (raises ContentError naming file, line and field)."""
    path = Path(path or DIALOGUE_FILE)
    lib = sop_library if sop_library is not None else default_sop_library()

    def build() -> DialogueData:
        return load_model(read_text(path), str(path), DialogueData, check_dialogue(lib))

    return _cached("dialogue", (_file_key(path), id(lib)), build, pin=lib)


def load_tariffs(path: Path | None = None) -> TariffTable:
    path = Path(path or TARIFF_FILE)
    return _cached(
        "tariffs", _file_key(path), lambda: load_model(read_text(path), str(path), TariffTable)
    )


def load_people(path: Path | None = None) -> PeopleData:
    path = Path(path or PEOPLE_FILE)
    return _cached(
        "people", _file_key(path), lambda: load_model(read_text(path), str(path), PeopleData)
    )


def default_sop_library() -> Library:
    """The configured SOP library, parsed once while its files do not change."""
    from core import config

    files = yaml_files(config.sop_dirs())
    key = tuple(_file_key(f) for f in files)
    return _cached("sops", key, load_library)


# ---------------------------------------------------------------- scenario files
def check_scenario(sop_library: Library, dialogue: DialogueData):
    """Cross-references of one scenario, as (field path, message)."""

    def check(sc: Scenario) -> Iterator[tuple[tuple, str]]:
        # `sc` may be partial (scenarios.library.partial_scenario): a field pydantic refused is
        # None or left out, and only the checks that do not need it run.
        found = sop_library.find_case(sc.case) if sc.case is not None else None
        if found is None and sc.case is not None:
            known = ", ".join(sorted(sop_library.case_ids())) or "-"
            yield ("case",), f"kasus '{sc.case}' tidak ada di SOP; yang ada: {known}"
        if found is not None:
            yield from _case_checks(sc, *found)
        personas = dialogue.persona_ids()
        if sc.persona.style is not None and sc.persona.style not in personas:
            yield ("persona", "style"), (
                f"persona '{sc.persona.style}' tidak dikenal; pilih: {', '.join(personas)}"
            )
        for name in sc.reactions:
            if name not in REACTIONS:
                yield ("reactions", name), (
                    f"reaksi '{name}' tidak dikenal; yang ada: {', '.join(REACTIONS)}"
                )
        for name in REQUIRED_REACTIONS:
            if name not in sc.reactions:
                yield ("reactions", name), f"reaksi '{name}' wajib ditulis untuk skenario ini"
        yield from _placeholder_checks(sc)

    def _case_checks(sc: Scenario, sop, case) -> Iterator[tuple[tuple, str]]:
        sop_facts = {f.id for f in sop.facts}
        for fid in sc.facts:
            if fid not in sop_facts:
                yield ("facts", fid), (
                    f"fakta '{fid}' tidak dikenal; yang ada: {', '.join(sorted(sop_facts))}"
                )
            elif fid not in case.facts:
                varied = ", ".join(case.facts) or "tidak ada"
                yield ("facts", fid), (
                    f"kasus {case.id} tidak memvariasikan fakta '{fid}' (yang divariasikan: "
                    f"{varied})"
                )
        facts = {f: sc.facts.get(f, False) for f in sop_facts}
        if facts.get("email_used_elsewhere") and facts.get("has_account"):
            yield ("facts", "email_used_elsewhere"), (
                "email_used_elsewhere hanya bermakna untuk pelanggan yang belum punya akun "
                "(has_account: false), karena gagalnya terjadi saat mendaftar"
            )
        stance = dialogue.stances.get(sc.case, dialogue.default_stance)
        for name in sc.reactions:
            if name not in REACTIONS:
                continue
            need = STANCE_REACTIONS.get(name)
            if need is not None and need != stance:
                yield ("reactions", name), (
                    f"reaksi '{name}' tidak pernah dipakai untuk kasus {sc.case} "
                    f"(sikap pelanggan: {stance})"
                )
            fact_need = FACT_REACTIONS.get(name)
            if fact_need is not None and facts.get(fact_need[0], False) != fact_need[1]:
                value = "true" if fact_need[1] else "false"
                yield ("reactions", name), (
                    f"reaksi '{name}' hanya dipakai bila facts.{fact_need[0]} {value}"
                )
        criteria = case.rubric.criteria
        for cid in sc.hints:
            if cid not in criteria:
                yield ("hints", cid), (
                    f"kriteria '{cid}' tidak dinilai untuk kasus {sc.case}; yang dinilai: "
                    + ", ".join(criteria)
                )

    def _placeholder_checks(sc: Scenario) -> Iterator[tuple[tuple, str]]:
        for i, line in enumerate(sc.opening):
            for ph in misplaced_placeholders(None, line):
                yield ("opening", i), _misplaced(ph)
        for rname, lines in sc.reactions.items():
            for i, line in enumerate(lines):
                for ph in misplaced_placeholders(rname, line):
                    yield ("reactions", rname, i), _misplaced(ph)
        for i, line in enumerate(sc.opening):
            for name in placeholders_in(line):
                if name == "email_on_record" and sc.email_on_record == "tidak_ada":
                    yield ("opening", i), (
                        "{email_on_record} memerlukan email_on_record 'sama' atau 'lama'"
                    )
        for rname, lines in sc.reactions.items():
            for i, line in enumerate(lines):
                if "email_on_record" in placeholders_in(line) and (
                    sc.email_on_record == "tidak_ada"
                ):
                    yield ("reactions", rname, i), (
                        "{email_on_record} memerlukan email_on_record 'sama' atau 'lama'"
                    )

    return check


def partial_scenario(data: dict, bad: set[tuple]) -> Scenario:
    """A scenario of the fields of `data` that pydantic did not refuse (`bad`: the refused
    paths), for the cross-checks of a file that is not valid yet: a refused field is None
    (case, persona style, email_on_record) or left out (a bad line, fact or reaction entry)."""

    def ok(*loc) -> bool:
        return not any(b[:len(loc)] == loc or loc[:len(b)] == b for b in bad)

    def text(value: object, *loc) -> str | None:
        return value.strip() if isinstance(value, str) and ok(*loc) else None

    def mapping(name: str) -> dict:
        value = data.get(name)
        return {str(k): v for k, v in value.items()} if (
            isinstance(value, dict) and (name,) not in bad) else {}

    persona = data.get("persona") if isinstance(data.get("persona"), dict) else {}
    opening = data.get("opening") if isinstance(data.get("opening"), list) else []
    reactions = {
        k: [x for i, x in enumerate(v) if isinstance(x, str) and ok("reactions", k, i)]
        if isinstance(v, list) and ("reactions", k) not in bad else []
        for k, v in mapping("reactions").items()
    }
    return Scenario.model_construct(
        case=text(data.get("case"), "case"),
        persona=Persona.model_construct(style=text(persona.get("style"), "persona", "style")),
        facts={k: v for k, v in mapping("facts").items() if isinstance(v, bool)
               and ok("facts", k)},
        email_on_record=text(data.get("email_on_record", "tidak_ada"), "email_on_record"),
        opening=[x for i, x in enumerate(opening) if isinstance(x, str) and ok("opening", i)],
        reactions=reactions,
        hints=mapping("hints"),
    )


def load_scenario_text(
    text: str,
    file: str,
    *,
    sop_library: Library | None = None,
    dialogue: DialogueData | None = None,
) -> Scenario:
    """Validate one scenario document; raise ContentError naming file, line and field."""
    lib = sop_library if sop_library is not None else default_sop_library()
    dlg = dialogue if dialogue is not None else load_dialogue_data(sop_library=lib)
    problems: list[Problem] = []
    try:
        scenario = load_model(text, file, Scenario, check_scenario(lib, dlg), partial_scenario)
    except ContentError as exc:
        problems = exc.problems
    stem = Path(file).name.rsplit(".", 1)
    if len(stem) == 2 and stem[1] in ("yaml", "yml"):
        data, lines = parse_yaml(text, file)
        sid = data.get("id") if isinstance(data, dict) else None
        if isinstance(sid, str) and sid.strip() and sid.strip() != stem[0] and not any(
                p.field == "id" for p in problems):
            problems.append(Problem(
                file, lines.line(("id",)), "id",
                f"id '{sid.strip()}' harus sama dengan nama file '{stem[0]}'",
            ))
            problems.sort(key=lambda p: p.line)
    if problems:
        raise ContentError(labelled(problems))
    scenario._version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    scenario._file = file
    return scenario


def labelled(problems: Iterable[Problem]) -> list[Problem]:
    """Problems of a scenario file with the labels the editor gives their fields."""
    return [replace(p, label=field_label(p.field)) for p in problems]


def load_scenario_file(path: Path, **kw) -> Scenario:
    return load_scenario_text(read_text(path), str(path), **kw)


@dataclass
class ScenarioLibrary:
    """Every scenario that loaded, by id, with the problems of those that did not."""

    scenarios: dict[str, Scenario] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # scenario id -> file
    problems: list[Problem] = field(default_factory=list)

    def add(self, scenario: Scenario, file: str) -> None:
        if scenario.id in self.scenarios:
            self.problems.append(Problem(
                file, 1, "id",
                f"skenario '{scenario.id}' sudah dimuat dari {self.files[scenario.id]}",
            ))
            return
        self.scenarios[scenario.id] = scenario
        self.files[scenario.id] = file

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)

    def active(self) -> list[Scenario]:
        return [s for s in self.scenarios.values() if s.status == "aktif"]

    def by_case(self, case_id: str, *, active_only: bool = True) -> list[Scenario]:
        pool = self.active() if active_only else list(self.scenarios.values())
        return [s for s in pool if s.case == case_id]

    def __len__(self) -> int:
        return len(self.scenarios)

    def __iter__(self) -> Iterator[Scenario]:
        return iter(self.scenarios.values())


def load_scenarios(
    paths: Iterable[Path] | None = None, *, sop_library: Library | None = None
) -> ScenarioLibrary:
    """Load the scenario files under `paths` (default: the configured scenario folders)."""
    if paths is None:
        from core import config

        paths = config.scenario_dirs()
    lib = sop_library if sop_library is not None else default_sop_library()
    out = ScenarioLibrary()
    try:
        dialogue = load_dialogue_data(sop_library=lib)
    except ContentError as exc:
        out.problems.extend(exc.problems)
        return out
    for path in yaml_files(paths):
        try:
            out.add(load_scenario_file(path, sop_library=lib, dialogue=dialogue), str(path))
        except ContentError as exc:
            out.problems.extend(exc.problems)
    return out


__all__ = [
    "PLACEHOLDERS",
    "ScenarioLibrary",
    "check_scenario",
    "default_sop_library",
    "load_dialogue_data",
    "load_people",
    "load_scenario_text",
    "load_scenarios",
    "load_tariffs",
]
