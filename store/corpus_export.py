"""QA's corrections as labelled examples: every criterion override, with the reply it judged,
written in the corpus format (corpus/README.md) so the corpus grows from real calls.

Each line is one CSO reply of an overridden attempt, labelled with the acts the reader reads in
it, corrected by the override where the override says which act was wrongly read: QA saying a
criterion was *not* earned removes the acts that earned it from the reply its evidence quoted.
QA saying a criterion *was* earned cannot say where, so that line carries `needs_review`. The
`qa` field keeps the attempt, criterion, both verdicts and QA's comment. Lines are meant for
corpus/acts/qa/, to be checked and moved into tune/ (never into the kept-apart holdout).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from scoring.acts import Act
from scoring.corpus import corpus_line
from store.access import Requester
from store.dashboard import QaFilter, _where
from store.db import Database, reading
from store.errors import StoreError
from store.models import Attempt as AttemptRow
from store.models import AttemptFact, CriterionOverride

# The acts that earn each criterion (acts-guideline.md, "From acts to criteria").
CRITERION_ACTS: dict[str, tuple[str, ...]] = {
    "bill_amount": ("state_amount",),
    "self_service_channel": ("offer_channel",),
    "website_offered_first": ("offer_channel",),
    "website_steps": ("website_step",),
    "email_used_advice": ("email_used_advice",),
    "unit_followup": ("promise_contact",),
    "service_greeting": ("greet", "introduce"),
    "service_verification": ("ask_data", "confirm_data"),
    "service_closing": ("close",),
    "service_conduct": ("unprofessional",),
}
CSO_ROLES = ("cso", "trainee", "peserta")
REPLY = re.compile(r"balasan (\d+)")


def _label(a: Act) -> dict[str, Any]:
    slots = {k: (dict(v) if k == "if" else v) for k, v in a.slots}
    out: dict[str, Any] = {"act": a.act, "polarity": a.polarity}
    if slots:
        out["slots"] = slots
    return out


def override_examples(
    db: Database, *, requester: Requester, where: QaFilter | None = None,
    read: Callable[[str, str], list[Act]],
) -> list[str]:
    """Corpus lines (JSON) for the overrides of the filtered attempts, oldest first.

    `read(case_id, text)` is the reader the attempts were scored with (Scorer.read)."""
    if not requester.sees_all_attempts:
        raise StoreError("requester", "hanya QA, trainer atau admin yang dapat mengekspor koreksi")
    f = AttemptFact
    ids = _where(select(f.attempt_id), f, requester, where or QaFilter())
    stmt = (
        select(CriterionOverride, AttemptRow)
        .join(AttemptRow, AttemptRow.id == CriterionOverride.attempt_id)
        .where(CriterionOverride.attempt_id.in_(ids.scalar_subquery()))
        .order_by(CriterionOverride.id)
    )
    lines: list[str] = []
    with reading(db) as s:
        rows = list(s.execute(stmt))
        latest: dict[tuple[int, str], tuple[CriterionOverride, AttemptRow]] = {}
        for o, row in rows:
            latest[(o.attempt_id, o.criterion_id)] = (o, row)
        for o, row in latest.values():
            lines.extend(_lines(o, row, read))
    return lines


def _lines(o: CriterionOverride, row: AttemptRow,
           read: Callable[[str, str], list[Act]]) -> list[str]:
    replies = [t["text"] for t in row.transcript if str(t.get("role")).lower() in CSO_ROLES]
    evidence = next((c.get("evidence", "") for c in (row.result or {}).get("criteria", [])
                     if c.get("id") == o.criterion_id), "")
    m = REPLY.search(evidence or "")
    quoted = int(m.group(1)) - 1 if m and 0 < int(m.group(1)) <= len(replies) else None
    which = [quoted] if quoted is not None else list(range(len(replies)))
    kinds = CRITERION_ACTS.get(o.criterion_id, ())
    out = []
    for i in which:
        acts = read(row.case_id, replies[i])
        needs_review = False
        if kinds and o.old_ok and not o.new_ok and i == quoted:
            acts = [a for a in acts if a.act not in kinds]  # QA: it was not really done
        elif kinds and o.new_ok != o.old_ok:
            needs_review = True  # QA: it was done, somewhere here; a person adds the act
        extra: dict[str, Any] = {"qa": {
            "attempt_id": row.id, "criterion": o.criterion_id, "auto_ok": o.old_ok,
            "qa_ok": o.new_ok, "comment": o.comment, "reply": i + 1}}
        if needs_review:
            extra["needs_review"] = True
        out.append(corpus_line(id=f"qa-{o.id}-{i + 1}", family=f"qa-attempt-{row.id}",
                               text=replies[i], acts=[_label(a) for a in acts], **extra))
    return out


__all__ = ["CRITERION_ACTS", "override_examples"]
