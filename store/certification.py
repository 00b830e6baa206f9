"""Certification: who is "siap melayani" (ready to take real calls) for a cohort's SOP.

A trainee is certified when they passed one of the cohort's certification exams (an exam
assignment marked `certification`; with `require_review` only once QA reviewed every call, see
store.cohorts). The certificate carries the date it was earned (the last call of the passed
sitting, or QA's last review when one was required) and the SOP version its calls were scored
with (the rubric label '<sop id>@r<n>' the attempts recorded). When the SOP has a newer version
in the database now, the certificate says so (`outdated`): the pages, the report and the CLI
show who was certified on an older version.

One function, `certification_status`, serves the Angkatan page, the reports and
`cso-trainer cohorts status --json`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from store.cohorts import (
    AssignmentRecord,
    CohortRecord,
    Sitting,
    TraineeState,
    cohort_matrix,
    list_cohorts,
)
from store.db import Database

RUBRIC_NUMBER = re.compile(r"^(?P<sop>.+)@r(?P<n>\d+)$")
READY = "siap melayani"
NOT_YET = "belum"


@dataclass(frozen=True)
class Certification:
    cohort_id: int
    cohort_name: str
    sop_id: str
    trainee_id: int
    username: str
    name: str
    certified: bool
    certified_at: datetime | None = None
    rubric_version: str | None = None  # '<sop id>@r<n>' the passed calls were scored with
    sop_version: int | None = None  # n of that label
    current_version: int | None = None  # the SOP's version in the database now
    assignment_id: int | None = None
    assignment_title: str | None = None
    exam_id: str | None = None
    mean_percent: float | None = None
    status_detail: str = ""  # the certification exam's state when not certified

    @property
    def outdated(self) -> bool:
        """Certified on an SOP version older than the current one."""
        return bool(self.certified and self.sop_version is not None
                    and self.current_version is not None
                    and self.sop_version < self.current_version)  # fmt: skip

    @property
    def label(self) -> str:
        if not self.certified:
            return NOT_YET
        return f"{READY} (versi lama)" if self.outdated else READY

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["certified_at"] = self.certified_at.isoformat() if self.certified_at else None
        out["status"] = self.label
        out["outdated"] = self.outdated
        return out


def rubric_number(label: str | None) -> int | None:
    found = RUBRIC_NUMBER.match(label or "")
    return int(found.group("n")) if found else None


def current_sop_versions(db: Database) -> dict[str, int]:
    """SOP id -> its current version number in the database (empty before any import)."""
    from store.content_snapshot import content_snapshot

    return dict(content_snapshot(db).sop_numbers)


def _earned(sitting: Sitting) -> tuple[str | None, int | None]:
    """The rubric label of a passed sitting: the oldest version any of its calls used."""
    labels = [(rubric_number(c.rubric_version), c.rubric_version) for c in sitting.calls
              if c.in_time]  # fmt: skip
    numbered = sorted((n, label) for n, label in labels if n is not None)
    if numbered:
        return numbered[0][1], numbered[0][0]
    return (labels[0][1] if labels else None), None


def _of_trainee(cohort: CohortRecord, member: Any, exams: list[AssignmentRecord],
                states: dict[tuple[int, int], TraineeState],
                current: int | None) -> Certification:
    base = dict(cohort_id=cohort.id, cohort_name=cohort.name, sop_id=cohort.sop_id,
                trainee_id=member.user_id, username=member.username, name=member.name,
                current_version=current)  # fmt: skip
    passed = []
    for a in exams:
        st = states.get((a.id, member.user_id))
        if st is not None and st.status == "selesai" and st.best is not None:
            passed.append((st.finished_at, a, st))
    if not passed:
        detail = "; ".join(
            f"{a.title}: {states[(a.id, member.user_id)].label}" for a in exams
            if (a.id, member.user_id) in states)  # fmt: skip
        return Certification(certified=False, status_detail=detail or "belum ada ujian "
                             "sertifikasi", **base)  # fmt: skip
    at, a, st = min(passed, key=lambda p: (p[0] is None, p[0]))
    label, number = _earned(st.best)  # type: ignore[arg-type]
    return Certification(certified=True, certified_at=at, rubric_version=label,
                         sop_version=number, assignment_id=a.id, assignment_title=a.title,
                         exam_id=st.best.exam_id,  # type: ignore[union-attr]
                         mean_percent=st.best.mean_percent,  # type: ignore[union-attr]
                         status_detail="lulus", **base)  # fmt: skip


def certification_status(
    db: Database,
    *,
    cohort_id: int | None = None,
    trainee_id: int | None = None,
    now: datetime | None = None,
    current_versions: dict[str, int] | None = None,
) -> list[Certification]:
    """One line per trainee per cohort (of one cohort, or of every cohort; of one trainee, or
    of all): certified or not, when, on which SOP version, and whether that is older than the
    SOP's current version."""
    versions = current_sop_versions(db) if current_versions is None else current_versions
    cohorts = list_cohorts(db)
    out = []
    for cohort in cohorts:
        if cohort_id is not None and cohort.id != cohort_id:
            continue
        if trainee_id is not None and trainee_id not in cohort.trainee_ids:
            continue
        matrix = cohort_matrix(db, cohort.id, now=now)
        exams = [a for a in matrix.assignments if a.certification]
        for member in matrix.trainees:
            if trainee_id is not None and member.user_id != trainee_id:
                continue
            out.append(_of_trainee(cohort, member, exams, matrix.states,
                                   versions.get(cohort.sop_id)))  # fmt: skip
    return out
