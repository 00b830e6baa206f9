"""A call in progress as plain JSON data and back, so the Latihan page can keep it in the
database (store.drafts) and pick it up after a reload, in a new tab or after a restart.

What is kept: the scenario (id and content version), the seed, the mode and exam, when it
started, the dialogue state and the transcript as the trainee saw it. The call itself (the
customer's data panel) is made again from scenario + seed, which always gives the same call;
the stored copy of it is compared, so a changed generator is noticed (`CallChanged`).

Also here: a stored score (attempts.result) back as a `ScoreResult`, and an exam set as data.
No streamlit, no database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scenarios.dialogue import State
from scenarios.generator import generate_call
from scenarios.models import Scenario
from scenarios.practice import ExamItem, ExamSet, Line, PracticeCall, PracticeError, call_date
from scoring.attempt import CriterionResult, ScoreResult
from sop.models import Sop


class CallChanged(PracticeError):
    """The scenario and seed no longer give the call that was stored (e.g. the generator's data
    changed); the stored call cannot be continued faithfully."""


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        at = value
    else:
        at = datetime.fromisoformat(str(value))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def line_to_data(line: Line) -> dict[str, Any]:
    out: dict[str, Any] = {"role": line.role, "text": line.text, "at": line.at.isoformat()}
    if line.reactions:
        out["reactions"] = list(line.reactions)
    return out


def line_from_data(data: Mapping[str, Any]) -> Line:
    return Line(str(data["role"]), str(data["text"]), _time(data["at"]),
                tuple(str(r) for r in data.get("reactions") or ()))  # fmt: skip


def call_to_data(pc: PracticeCall) -> dict[str, Any]:
    """Everything needed to continue `pc` exactly where it is, as JSON-ready data."""
    return {
        "scenario_id": pc.scenario.id,
        "scenario_version": pc.scenario.content_version,
        "seed": pc.seed,
        "case": pc.call.case,
        "mode": pc.mode,
        "exam_id": pc.exam_id,
        "started_at": pc.started_at.isoformat(),
        "state": pc.state.to_dict(),
        "transcript": [line_to_data(line) for line in pc.transcript],
        "idpel": pc.call.idpel,
        "name": pc.call.name,
    }


def call_from_data(data: Mapping[str, Any], *, scenario: Scenario, sop: Sop) -> PracticeCall:
    """The call stored by `call_to_data`, on `scenario` (the version it was started on)."""
    try:
        seed = int(data["seed"])
        started = _time(data["started_at"])
        # the months of the day it started, as the trainee saw them
        call = generate_call(scenario, seed, sop=sop, as_of=call_date(started))
        transcript = tuple(line_from_data(x) for x in data["transcript"])
        state = State.from_dict(data.get("state") or {})
        mode = data.get("mode") or "latihan"
    except (KeyError, TypeError, ValueError) as exc:
        raise PracticeError(f"panggilan tersimpan tidak dapat dibaca: {exc}") from None
    if mode not in ("latihan", "ujian"):
        raise PracticeError(f"mode '{mode}' tidak dikenal")
    if (data.get("idpel") not in (None, call.idpel)) or (data.get("name") not in (None, call.name)):
        raise CallChanged("data pelanggan panggilan ini tidak dapat dibuat ulang")
    return PracticeCall(scenario=scenario, sop=sop, call=call, mode=mode,
                        exam_id=data.get("exam_id"), state=state, transcript=transcript,
                        started_at=started)  # fmt: skip


def result_from_data(data: Mapping[str, Any]) -> ScoreResult:
    """A score as stored with an attempt (`ScoreResult.to_dict()`) back as a ScoreResult."""
    names = {f.name for f in dataclasses.fields(CriterionResult)}
    criteria = [CriterionResult(**{k: v for k, v in c.items() if k in names})
                for c in data.get("criteria") or []]  # fmt: skip
    return ScoreResult(
        case=str(data.get("case", "")),
        score=float(data.get("score", 0)),
        max_score=float(data.get("max_score", 0)),
        passed=bool(data.get("passed", False)),
        critical_failed=list(data.get("critical_failed") or []),
        criteria=criteria,
    )


def exam_to_data(exam: ExamSet) -> dict[str, Any]:
    return {"exam_id": exam.exam_id,
            "items": [[i.scenario_id, i.seed] for i in exam.items]}  # fmt: skip


def exam_from_data(data: Mapping[str, Any]) -> ExamSet:
    return ExamSet(str(data["exam_id"]),
                   tuple(ExamItem(str(s), int(n)) for s, n in data["items"]))  # fmt: skip


__all__ = [
    "CallChanged",
    "call_from_data",
    "call_to_data",
    "exam_from_data",
    "exam_to_data",
    "line_from_data",
    "line_to_data",
    "result_from_data",
]
