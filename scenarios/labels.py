"""What a trainer calls each field of a scenario file: the one mapping from a field path
("persona.description", "reactions.greeting[1]") to the label the editor's form shows
("Deskripsi persona", "Reaksi greeting, kalimat ke-2").

The editor labels its widgets and its messages with it, and `cso-trainer validate` prints it
before the YAML path, so a message never starts with a bare YAML key.
"""

from __future__ import annotations

import re

FIELD_LABELS = {
    "id": "ID skenario",
    "title": "Judul",
    "case": "Kasus SOP",
    "status": "Status",
    "difficulty": "Tingkat kesulitan",
    "persona": "Persona pelanggan",
    "persona.style": "Gaya persona",
    "persona.gender": "Jenis kelamin persona",
    "persona.description": "Deskripsi persona",
    "facts": "Fakta yang divariasikan",
    "email_on_record": "Email Invoice yang tercatat",
    "max_turns": "Batas giliran",
    "opening": "Kalimat pembuka pelanggan",
    "reactions": "Reaksi pelanggan",
    "hints": "Petunjuk per kriteria",
}
# Fields under a mapping whose keys are names: the label of "facts.has_account" and so on.
_NAMED = {
    "facts": "Fakta {}",
    "reactions": "Reaksi {}",
    "hints": "Petunjuk kriteria {}",
}
_PART = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def field_label(path: str) -> str:
    """The label of a field path of a scenario file; '' for what is not a field ("(yaml)")."""
    if not path or path.startswith("("):
        return ""
    parts: list[str | int] = [int(i) if i else name for name, i in _PART.findall(path)]
    if not parts or not isinstance(parts[0], str) or parts[0] not in FIELD_LABELS:
        return ""
    names = [p for p in parts if isinstance(p, str)]
    index = next((p for p in parts[1:] if isinstance(p, int)), None)
    key = ".".join(names[:2])
    if key in FIELD_LABELS:
        label = FIELD_LABELS[key]
    elif names[0] in _NAMED and len(names) > 1:
        label = _NAMED[names[0]].format(names[1])
    else:
        label = FIELD_LABELS[names[0]]
    if index is not None:
        label += f", kalimat ke-{index + 1}"
    return label


__all__ = ["FIELD_LABELS", "field_label"]
