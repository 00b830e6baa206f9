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
    label: str = ""  # what the editor calls the field (scenarios.labels), when it has a name

    def __str__(self) -> str:
        where = f"{self.label} ({self.field})" if self.label else self.field
        return f"{self.file}:{self.line}: {where}: {self.message}"

    @property
    def shown(self) -> str:
        """The problem as the editor shows it under its field: "Deskripsi persona: wajib
        diisi"."""
        return f"{self.label or self.field}: {self.message}"


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


# Guards of every YAML text a user can give (files, the editor, imports): content needs no
# aliases, little nesting and no huge text, so refusing them costs nothing and keeps an alias
# bomb (a few hundred bytes that expand to gigabytes), a self-referencing alias (`a: &a [*a]`)
# and deep nesting (RecursionError) out before anything is built.
MAX_YAML_CHARS = 2_000_000
MAX_YAML_DEPTH = 40
MAX_FILE_BYTES = 8_000_000


def too_large(text: str, file: str, limit: int = MAX_YAML_CHARS) -> Problem | None:
    if len(text) > limit:
        return Problem(file, 1, "(dokumen)",
                       f"teks terlalu besar ({len(text):,} karakter; maksimal {limit:,})"
                       .replace(",", "."))
    return None


def guard_node(file: str, *, alias: str | None, line: int, depth: int) -> None:
    """Refuse an alias, or a node nested deeper than MAX_YAML_DEPTH (called by each loader's
    composer before it builds the node; `line` is 0-based, as in YAML marks)."""
    if alias is not None:
        raise ContentError([Problem(
            file, line + 1, "(yaml)",
            f"alias YAML (*{alias}) tidak diizinkan di konten; tulis isinya langsung")])
    if depth > MAX_YAML_DEPTH:
        raise ContentError([Problem(
            file, line + 1, "(yaml)",
            f"YAML terlalu dalam bertingkat (maksimal {MAX_YAML_DEPTH} tingkat)")])


_VALUE_KINDS = {"int": "bilangan bulat", "float": "angka", "timestamp": "tanggal",
                "bool": "true atau false", "binary": "data base64"}
CONSTRUCT_ERRORS = (ValueError, TypeError, AttributeError, OverflowError, IndexError, KeyError)


def bad_value(file: str, node: Any, exc: Exception) -> ContentError:
    """A value the loader could not turn into data ('2020-13-45', '!!int abc', an integer of
    5000 digits), as a content error on its line."""
    line = node.start_mark.line + 1
    value = node.value if isinstance(node.value, str) else ""
    kind = _VALUE_KINDS.get(str(node.tag).rsplit(":", 1)[-1], "nilai yang dapat dibaca")
    if "digits" in str(exc):
        message = "angka terlalu panjang"
    elif value:
        shown = value if len(value) <= 40 else value[:39] + "…"
        message = f"nilai '{shown}' bukan {kind}"
    else:
        message = "nilai tidak dapat dibaca"
    return ContentError([Problem(file, line, "(yaml)", f"YAML tidak valid: {message}")])


class GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases and deep nesting while composing."""

    def __init__(self, stream: str, file: str):
        super().__init__(stream)
        self.content_file = file
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        alias = event.anchor if isinstance(event, yaml.AliasEvent) else None
        guard_node(self.content_file, alias=alias, line=event.start_mark.line,
                   depth=self.depth + 1)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except CONSTRUCT_ERRORS as exc:
            raise bad_value(self.content_file, node, exc) from None


def parse_yaml(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse YAML text; raise ContentError naming the line on a syntax error, an alias, too
    deep nesting or too large a text."""
    big = too_large(text, file)
    if big is not None:
        raise ContentError([big])
    try:
        loader = GuardedLoader(text, file)
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


Partial = Callable[[dict, set[Loc]], M]


def load_model(
    text: str, file: str, model: type[M], check: Checker | None = None,
    partial: Partial | None = None,
) -> M:
    """Parse and validate one document; raise ContentError with every problem found.

    With `partial`, a document the model refuses is still cross-checked: `partial(data, bad)`
    builds an object from the fields without errors (`bad`: the paths pydantic refused) and
    `check` runs on it, so every problem of the file comes out at once, sorted by line.
    """
    data, lines = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise ContentError([Problem(file, 1, "(dokumen)", "isi file harus berupa mapping YAML")])
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, file, lines)
        if check is not None and partial is not None:
            bad = {tuple(p for p in e["loc"] if p != "[key]") for e in exc.errors()}
            seen = {(p.field, p.message) for p in problems}
            for loc, msg in check(partial(data, bad)):
                if (field_name(loc), msg) not in seen:
                    problems.append(Problem(file, lines.line(loc), field_name(loc), msg))
            problems.sort(key=lambda p: p.line)
        raise ContentError(problems) from None
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
        with Path(path).open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # never more, whatever the file claims to be
        if len(data) > MAX_FILE_BYTES:
            raise ContentError([Problem(str(path), 1, "(file)",
                                        f"file terlalu besar (maksimal {MAX_FILE_BYTES:,} byte)"
                                        .replace(",", "."))])
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ContentError([Problem(str(path), 1, "(file)", "file tidak ditemukan")]) from None
    except UnicodeDecodeError as exc:
        raise ContentError(
            [Problem(str(path), 1, "(file)", f"file bukan teks UTF-8: {exc.reason}")]
        ) from None
    except OSError as exc:
        raise ContentError([Problem(str(path), 1, "(file)", str(exc.strerror or exc))]) from None
