"""Content files of every kind, validated by one function for the CLI and the pages."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core import config
from scenarios.labels import field_label
from sop.library import load_sop_text
from sop.yamlfile import ContentError, Problem, parse_yaml, read_text, yaml_files


def content_kind(data: object) -> str:
    """'sop' or 'scenario', recognised from the document's own keys."""
    if isinstance(data, dict) and "steps" in data and "cases" in data:
        return "sop"
    if isinstance(data, dict) and "case" in data:
        return "scenario"
    return "unknown"


def validate_text(text: str, file: str) -> list[Problem]:
    """Every problem of one content document (SOP or scenario)."""
    try:
        data, _ = parse_yaml(text, file)
        kind = content_kind(data)
        if kind == "sop":
            load_sop_text(text, file)
        elif kind == "scenario":
            from scenarios.library import load_scenario_text

            load_scenario_text(text, file)
        else:
            return [Problem(file, 1, "(dokumen)",
                            "bukan file SOP (steps, cases) atau skenario (case)")]
    except ContentError as exc:
        return exc.problems
    return []


def validate_paths(paths: Iterable[Path] | None = None) -> tuple[list[Problem], int]:
    """Validate files or folders (default: every configured content folder)."""
    if paths is None:
        paths = [*config.sop_dirs(), *config.scenario_dirs()]
    files = yaml_files(paths)
    problems: list[Problem] = []
    seen: dict[str, str] = {}  # scenario id -> the file that has it
    for f in files:
        try:
            text = read_text(f)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(validate_text(text, str(f)))
        taken = _taken_scenario_id(text, str(f), seen)
        if taken is not None:
            problems.append(taken)
    return problems, len(files)


def _taken_scenario_id(text: str, file: str, seen: dict[str, str]) -> Problem | None:
    """A scenario id that an earlier file (another folder) already has, at its ID field."""
    try:
        data, lines = parse_yaml(text, file)
    except ContentError:
        return None
    sid = data.get("id") if content_kind(data) == "scenario" else None
    if not isinstance(sid, str) or not sid.strip():
        return None
    sid = sid.strip()
    if sid not in seen:
        seen[sid] = file
        return None
    return Problem(file, lines.line(("id",)), "id",
                   f"'{sid}' sudah dipakai skenario lain ({seen[sid]}); pilih ID lain",
                   label=field_label("id"))
