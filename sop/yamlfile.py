"""Read YAML content files with line numbers, and turn every problem into one precise line.

Used for SOP files and scenario files alike: a problem names the file, the line and the field,
and one broken file never stops the others from loading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one content file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ContentError(Exception):
    """Raised with every problem of one file."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


# pydantic's common English messages, in Indonesian (the language of every user here).
_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Field required$"), "wajib diisi"),
    (re.compile(r"^String should have at least 1 character$"), "wajib diisi"),
    (re.compile(r"^String should have at least (\d+) characters?$"), r"minimal \1 karakter"),
    (re.compile(r"^String should have at most (\d+) characters?$"),
     r"terlalu panjang (maksimal \1 karakter)"),
    (re.compile(r"^List should have at least 1 item after validation, not 0$"),
     "minimal satu kalimat"),
    (re.compile(r"^List should have at least (\d+) items? after validation, not \d+$"),
     r"minimal \1 isi"),
    (re.compile(r"^List should have at most (\d+) items? after validation, not (\d+)$"),
     r"terlalu banyak (\2; maksimal \1)"),
    (re.compile(r"^String should match pattern .*$"),
     "hanya huruf kecil, angka, titik, garis bawah dan tanda hubung; diawali huruf atau angka"),
    (re.compile(r"^Extra inputs are not permitted$"), "kolom tidak dikenal"),
    (re.compile(r"^Input should be a valid string$"), "harus berupa teks"),
    (re.compile(r"^Input should be a valid boolean.*$"), "harus true atau false"),
    (re.compile(r"^Input should be a valid integer.*$"), "harus bilangan bulat"),
    (re.compile(r"^Input should be a valid number.*$"), "harus berupa angka"),
    (re.compile(r"^Input should be a valid list$"), "harus berupa daftar"),
    (re.compile(r"^Input should be a valid dictionary.*$"), "harus berupa mapping (kunci: nilai)"),
    (re.compile(r"^Input should be greater than or equal to (\S+)$"), r"minimal \1"),
    (re.compile(r"^Input should be less than or equal to (\S+)$"), r"maksimal \1"),
    (re.compile(r"^Input should be greater than (\S+)$"), r"harus lebih dari \1"),
    (re.compile(r"^Input should be (.+)$"), r"harus salah satu dari: \1"),
    (re.compile(r"^Value error, (.*)$", re.S), r"\1"),
]


def translate(message: str) -> str:
    """A validation message in Indonesian (pydantic's common English messages translated)."""
    for pattern, repl in _MESSAGES:
        if pattern.match(message):
            out = pattern.sub(repl, message)
            return out.replace("' or '", "', '")
    return message


def field_name(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for "the key itself" of a dict entry
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(dokumen)"


class LineMap:
    """Maps a field path (keys and list indexes) to the line it starts on (1-based)."""

    def __init__(self, root: yaml.Node | None):
        self._lines: dict[Loc, int] = {}
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, loc: Loc) -> None:
        self._lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                k = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
                self._lines[(*loc, k)] = key.start_mark.line + 1
                self._walk_value(value, (*loc, k))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*loc, i))

    def _walk_value(self, node: yaml.Node, loc: Loc) -> None:
        key_line = self._lines[loc]
        self._walk(node, loc)
        # A field's line is the line of its key, which is what an author looks for.
        self._lines[loc] = key_line

    def line(self, loc: Iterable[str | int]) -> int:
        loc = tuple(loc)
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return self._lines.get((), 1)


def parse_yaml(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text; raise ContentError naming the line on a syntax error."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        problem = Problem(file, line, "(yaml)", f"YAML tidak valid: {message}")
        raise ContentError([problem]) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(file, 1, "(yaml)", f"YAML tidak valid: {exc}")]) from None
    return data, LineMap(node)


def validation_problems(exc: ValidationError, file: str, lines: LineMap) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        problems.append(Problem(file, lines.line(loc), field_name(loc), translate(err["msg"])))
    return problems


Checker = Callable[[M], Iterable[tuple[Loc, str]]]


def load_model(
    text: str, file: str, model: type[M], check: Checker | None = None
) -> M:
    """Parse and validate one document; raise ContentError with every problem found."""
    data, lines = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise ContentError([Problem(file, 1, "(dokumen)", "isi file harus berupa mapping YAML")])
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(validation_problems(exc, file, lines)) from None
    if check is not None:
        problems = [Problem(file, lines.line(loc), field_name(loc), msg) for loc, msg in check(obj)]
        if problems:
            raise ContentError(problems)
    return obj


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Every .yaml/.yml file under the given files or folders, sorted, without duplicates."""
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            found.append(p)
    seen: set[Path] = set()
    out = []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(str(path), 1, "(file)", "file tidak ditemukan")]) from None
    except UnicodeDecodeError as exc:
        raise ContentError(
            [Problem(str(path), 1, "(file)", f"file bukan teks UTF-8: {exc.reason}")]
        ) from None
    except OSError as exc:
        raise ContentError([Problem(str(path), 1, "(file)", str(exc.strerror or exc))]) from None
