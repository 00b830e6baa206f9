"""Load every SOP file into a Library; a bad file is reported and the good ones still load."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sop.models import Case, Sop, check_sop
from sop.yamlfile import ContentError, Problem, load_model, read_text, yaml_files


def load_sop_text(text: str, file: str) -> Sop:
    """Validate one SOP document; raise ContentError naming file, line and field."""
    return load_model(text, file, Sop, check_sop)


def load_sop_file(path: Path) -> Sop:
    return load_sop_text(read_text(path), str(path))


@dataclass
class Library:
    """All SOPs that loaded, with their cases indexed by the canonical case id."""

    sops: dict[str, Sop] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # sop id -> file
    problems: list[Problem] = field(default_factory=list)

    def add(self, sop: Sop, file: str) -> None:
        if sop.id in self.sops:
            self.problems.append(
                Problem(file, 1, "id", f"SOP '{sop.id}' sudah dimuat dari {self.files[sop.id]}")
            )
            return
        clash = [c.id for c in sop.cases if self.find_case(c.id) is not None]
        if clash:
            self.problems.append(
                Problem(file, 1, "cases", f"id kasus sudah dipakai SOP lain: {', '.join(clash)}")
            )
            return
        self.sops[sop.id] = sop
        self.files[sop.id] = file

    def find_case(self, case_id: str) -> tuple[Sop, Case] | None:
        for sop in self.sops.values():
            case = sop.case(case_id)
            if case is not None:
                return sop, case
        return None

    def case_ids(self) -> list[str]:
        return [c.id for sop in self.sops.values() for c in sop.cases]


def load_library(paths: Iterable[Path] | None = None) -> Library:
    """Load the SOP files under `paths` (default: the configured SOP folders)."""
    if paths is None:
        from core import config

        paths = config.sop_dirs()
    lib = Library()
    for path in yaml_files(paths):
        try:
            lib.add(load_sop_file(path), str(path))
        except ContentError as exc:
            lib.problems.extend(exc.problems)
    return lib
