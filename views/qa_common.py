"""Small helpers the QA page's parts share: labels from the SOP, times in WIB, session keys."""

from __future__ import annotations

import datetime as dt

from core import fmt
from sop.library import Library
from views.state import content

WIB = fmt.WIB

K_ATTEMPT = "qa-attempt"  # the attempt open for review
K_SECTION = "qa-section"
K_CALIBRATION = "qa-calibration"  # the blind calibration open
K_NOTICE = "qa-notice"  # (kind, message) shown once after an action


def waktu(moment: dt.datetime | None) -> str:
    """"12 Mei 2025 10.03 WIB" (core.fmt, as every page writes it)."""
    return fmt.waktu(moment)


def library() -> Library:
    """The SOPs of the current rubric versions (the ones the scorer and pass marks use)."""
    return content().sops


def case_title(case_id: str, lib: Library | None = None) -> str:
    found = (lib or library()).find_case(case_id)
    return found[1].title if found else case_id


def criterion_label(criterion_id: str, lib: Library | None = None) -> str:
    for sop in (lib or library()).sops.values():
        definition = sop.criteria.get(criterion_id)
        if definition is not None:
            return definition.label
    return criterion_id


def verdict(passed: bool) -> str:
    return "LULUS" if passed else "TIDAK LULUS"


def yes_no(ok: bool) -> str:
    return "terpenuhi" if ok else "tidak terpenuhi"
