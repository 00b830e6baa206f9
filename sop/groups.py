"""Criterion groups: the SOP's own criteria ("sop") and the service standard ("layanan"), a
training standard that is not SOP text. Feedback, QA, dashboards and exports show them apart.

A criterion result carries its group (scoring.attempt.CriterionResult.group); results stored
before groups existed have none, and `criterion_group` reads them by the criterion id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sop.models import SERVICE_CRITERIA, Sop

GROUP_SOP, GROUP_SERVICE = "sop", "layanan"
GROUPS = (GROUP_SOP, GROUP_SERVICE)
GROUP_LABELS = {GROUP_SOP: "SOP", GROUP_SERVICE: "Standar layanan"}
SERVICE_TITLE = "Standar layanan pelatihan"
# how the service standard is marked wherever it is shown, as training assumptions are
SERVICE_MARK = "Standar layanan pelatihan — bukan teks SOP."
_NOTE_LEAD = re.compile(r"^\s*standar layanan pelatihan\s*,?\s*bukan teks sop\s*[:.]?\s*", re.I)


def criterion_group(criterion_id: str, group: str | None = None) -> str:
    """The group of a criterion result: its own `group`, or (when missing) by its id."""
    if group in GROUPS:
        return str(group)
    return GROUP_SERVICE if criterion_id in SERVICE_CRITERIA else GROUP_SOP


def result_group(result: Mapping[str, Any]) -> str:
    """The group of one stored criterion result (a dict of a result's "criteria")."""
    return criterion_group(str(result.get("id", "")), result.get("group"))


def group_label(group: str) -> str:
    return GROUP_LABELS.get(group, group)


def service_title(sop: Sop | None) -> str:
    standard = sop.service_standard if sop is not None else None
    return standard.title if standard is not None else SERVICE_TITLE


def service_note(sop: Sop | None) -> str:
    """What the service standard asks for, without the "Standar layanan pelatihan, bukan teks
    SOP:" it begins with (SERVICE_MARK says that, in bold, before it)."""
    standard = sop.service_standard if sop is not None else None
    return note_body(standard.note) if standard is not None else ""


def note_body(note: str) -> str:
    """A service standard note without its leading "Standar layanan pelatihan, bukan teks SOP:"."""
    body = _NOTE_LEAD.sub("", " ".join(str(note).split()), count=1)
    return body[:1].upper() + body[1:]
