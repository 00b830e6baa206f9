"""Rescoring with the database's current content: the scorer built from the current SOPs and
their rubric version names ('<sop id>@r<n>'), handed to store.rescoring.rescore."""

from __future__ import annotations

from collections.abc import Callable

from scoring.scorer import Scorer
from services.content import scorer_of
from store.access import Requester
from store.content_snapshot import content_snapshot
from store.dashboard import QaFilter
from store.db import Database
from store.rescoring import RescoreReport, require_rescorer
from store.rescoring import rescore as _rescore


def rescore(
    db: Database,
    *,
    requester: Requester,
    scorer: Scorer | None = None,
    where: QaFilter | None = None,
    only_other_rubric: bool = True,
    version_of: Callable[[str], str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    batch: int = 200,
) -> RescoreReport:
    """Score the filtered attempts again (store.rescoring.rescore). By default the scorer and
    the version names are the database's current content; a caller with a scorer of its own
    names its version with `version_of(case_id)`."""
    require_rescorer(requester)  # before the content is read, as before the split
    if scorer is None:
        snap = content_snapshot(db)
        scorer = scorer_of(snap)
        if version_of is None:
            def version_of(case_id: str) -> str:
                found = snap.sops.find_case(case_id)
                return snap.rubric_version(found[0].id) if found else case_id
    elif version_of is None:
        raise ValueError("rescore: a scorer of the caller's own needs version_of")
    return _rescore(db, requester=requester, scorer=scorer, version_of=version_of, where=where,
                    only_other_rubric=only_other_rubric, on_progress=on_progress, batch=batch)
