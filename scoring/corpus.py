"""The labelled corpus of CSO utterances (corpus/acts/*/*.jsonl) and the reader's evaluation.

Format and labelling rules: corpus/README.md. `evaluate` compares the reader's acts with the
labels as (act, polarity, key slot) per utterance and reports precision and recall per act.
Pure apart from reading the files: no database, no UI.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.acts import ACTS, KEY_SLOTS, POLARITIES, Act, ActReader

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "acts"
PARTS = ("tune", "holdout", "qa")


class CorpusError(ValueError):
    """A corpus line that is not in the corpus format: names the file, line and field."""


@dataclass(frozen=True)
class Example:
    id: str
    family: str
    text: str
    acts: tuple[tuple[str, str, Any], ...]  # (act, polarity, key slot value)
    part: str
    file: str
    line: int


def _key(item: dict[str, Any], where: str) -> tuple[str, str, Any]:
    act, pol = item.get("act"), item.get("polarity")
    if act not in ACTS:
        raise CorpusError(f"{where}: acts.act: tindakan '{act}' tidak dikenal")
    if pol not in POLARITIES:
        raise CorpusError(f"{where}: acts.polarity: polaritas '{pol}' tidak dikenal")
    slots = item.get("slots") or {}
    if not isinstance(slots, dict):
        raise CorpusError(f"{where}: acts.slots: harus berupa objek")
    name = KEY_SLOTS.get(act)
    value = slots.get(name) if name else None
    if name and value is None:
        raise CorpusError(f"{where}: acts.slots.{name}: wajib diisi untuk {act}")
    if act == "state_amount":
        value = int(value)
    return (act, pol, value)


def load_file(path: Path, part: str) -> list[Example]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where}: (json): JSON tidak valid: {exc.msg}") from None
        for name in ("id", "text", "acts"):
            if name not in data:
                raise CorpusError(f"{where}: {name}: wajib diisi")
        acts = tuple(sorted({_key(a, where) for a in data["acts"]}, key=repr))
        out.append(Example(str(data["id"]), str(data.get("family", "")), data["text"], acts,
                           part, str(path), n))
    return out


def load_corpus(parts: Iterable[str] = PARTS, root: Path = CORPUS_DIR) -> list[Example]:
    """Every example of the given parts; a duplicate id is an error naming both places."""
    out: list[Example] = []
    seen: dict[str, Example] = {}
    for part in parts:
        folder = root / part
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.jsonl")):
            for ex in load_file(path, part):
                if ex.id in seen:
                    first = seen[ex.id]
                    raise CorpusError(f"{ex.file}:{ex.line}: id: '{ex.id}' sudah dipakai di "
                                      f"{first.file}:{first.line}")
                seen[ex.id] = ex
                out.append(ex)
    return out


def act_keys(acts: Sequence[Act]) -> set[tuple[str, str, Any]]:
    return {a.key for a in acts}


@dataclass
class ActScore:
    act: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Evaluation:
    examples: int
    per_act: dict[str, ActScore]
    errors: list[tuple[Example, set, set]] = field(default_factory=list)  # (ex, missed, extra)

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "exact": self.examples - len(self.errors),
            "acts": {a: {"precision": round(s.precision, 3), "recall": round(s.recall, 3),
                         "support": s.support, "tp": s.tp, "fp": s.fp, "fn": s.fn}
                     for a, s in self.per_act.items()},
        }

    def table(self) -> str:
        lines = [f"{'tindakan':<20} {'presisi':>8} {'recall':>8} {'dukungan':>9}"]
        for a, s in self.per_act.items():
            lines.append(f"{a:<20} {s.precision:>8.3f} {s.recall:>8.3f} {s.support:>9}")
        lines.append(f"{self.examples} ujaran, {self.examples - len(self.errors)} terbaca tepat")
        return "\n".join(lines)


def evaluate(reader: ActReader, examples: Sequence[Example]) -> Evaluation:
    """Precision and recall per act over (act, polarity, key slot) per utterance."""
    per_act = {a: ActScore(a) for a in ACTS}
    errors = []
    for ex in examples:
        gold = set(ex.acts)
        got = act_keys(reader.read(ex.text))
        for k in got & gold:
            per_act[k[0]].tp += 1
        for k in got - gold:
            per_act[k[0]].fp += 1
        for k in gold - got:
            per_act[k[0]].fn += 1
        if got != gold:
            errors.append((ex, gold - got, got - gold))
    return Evaluation(len(examples), per_act, errors)


def corpus_line(*, id: str, family: str, text: str, acts: Iterable[dict[str, Any]],
                **extra: Any) -> str:
    """One corpus line (for exports that grow the corpus, e.g. QA overrides)."""
    return json.dumps({"id": id, "family": family, "text": text, "acts": list(acts), **extra},
                      ensure_ascii=False)


def iter_errors(ev: Evaluation, limit: int = 50) -> Iterator[str]:
    for ex, missed, extra in ev.errors[:limit]:
        yield f"{ex.id} ({ex.file}:{ex.line}): {ex.text!r}"
        for k in sorted(missed, key=repr):
            yield f"    kurang: {k}"
        for k in sorted(extra, key=repr):
            yield f"    lebih : {k}"


__all__ = ["CORPUS_DIR", "CorpusError", "Evaluation", "Example", "corpus_line", "evaluate",
           "iter_errors", "load_corpus"]
