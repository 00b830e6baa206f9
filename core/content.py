"""Content files of every kind, validated by one function for the CLI and the pages."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from core import config
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
    for f in files:
        try:
            text = read_text(f)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(validate_text(text, str(f)))
    return problems, len(files)
