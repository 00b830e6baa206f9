"""A readable difference between two versions of a content text (scenario or SOP YAML).

`changed_fields` says in words which fields changed (compared as data, so layout alone never
counts); `unified` gives the line diff of the texts, for st.code(language="diff") or a
terminal.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml

from sop.yamlfile import ContentError, parse_yaml


@dataclass(frozen=True)
class FieldChange:
    field: str  # "persona.description", "reactions.greeting[1]"
    change: str  # "ditambah", "dihapus", "diubah"
    old: Any
    new: Any

    def describe(self) -> str:
        if self.change == "ditambah":
            return f"{self.field}: ditambah {_short(self.new)}"
        if self.change == "dihapus":
            return f"{self.field}: dihapus (sebelumnya {_short(self.old)})"
        return f"{self.field}: {_short(self.old)} → {_short(self.new)}"


def _short(value: Any, limit: int = 80) -> str:
    if isinstance(value, dict | list):
        text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6)
        text = text.strip()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "(kosong)"
    else:
        text = f'"{value}"' if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _load(text: str) -> Any:
    try:
        return parse_yaml(text, "<diff>")[0]  # the guarded loader: no alias, no deep nesting
    except ContentError:
        return None


def _join(prefix: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _hashable(value: Any) -> bool:  # a `!!set` or `!!omap` value cannot be matched by difflib
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _walk(old: Any, new: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old.keys(), *(k for k in new if k not in old)]:
            p = _join(path, key)
            if key not in new:
                out.append(FieldChange(p, "dihapus", old[key], None))
            elif key not in old:
                out.append(FieldChange(p, "ditambah", None, new[key]))
            else:
                _walk(old[key], new[key], p, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        if all(not isinstance(x, dict | list) and _hashable(x) for x in [*old, *new]):
            _walk_lines(old, new, path, out)
            return
        for i in range(max(len(old), len(new))):
            p = _join(path, i)
            if i >= len(new):
                out.append(FieldChange(p, "dihapus", old[i], None))
            elif i >= len(old):
                out.append(FieldChange(p, "ditambah", None, new[i]))
            else:
                _walk(old[i], new[i], p, out)
        return
    if old != new:
        out.append(FieldChange(path or "(dokumen)", "diubah", old, new))


def _walk_lines(old: list, new: list, path: str, out: list[FieldChange]) -> None:
    """Lists of lines (customer lines, cues): report inserted and removed lines as such."""
    sm = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                out.append(FieldChange(_join(path, j1 + k), "diubah", old[i1 + k], new[j1 + k]))
            continue
        for k in range(i1, i2):
            out.append(FieldChange(_join(path, k), "dihapus", old[k], None))
        for k in range(j1, j2):
            out.append(FieldChange(_join(path, k), "ditambah", None, new[k]))


def changed_fields(old_text: str, new_text: str) -> list[FieldChange]:
    """The fields that differ between two YAML texts (empty when they mean the same)."""
    old, new = _load(old_text), _load(new_text)
    out: list[FieldChange] = []
    _walk(old, new, "", out)
    return out


def unified(old_text: str, new_text: str, old_label: str, new_label: str,
            context: int = 2) -> str:
    """The line diff of two texts ("" when they are equal)."""
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
        fromfile=old_label, tofile=new_label, n=context,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
