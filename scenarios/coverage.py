"""Which SOP cases and fact variants the active scenarios cover, at which difficulty.

One row per case and fact variant: a case that varies no fact has one row; a case that varies
`has_account` and `email_used_elsewhere` has one row per combination a scenario can have
(`email_used_elsewhere` only makes sense without an account, as `check_scenario` enforces).
The page and `cso-trainer coverage` show the same rows; a case without any active scenario
makes the command exit 1.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from scenarios.models import DIFFICULTIES, Scenario
from sop.library import Library

# Fact combinations no scenario can have (see scenarios.library.check_scenario).
IMPOSSIBLE = ({"has_account": True, "email_used_elsewhere": True},)


@dataclass(frozen=True)
class CoverageRow:
    sop_id: str
    case_id: str
    case_title: str
    facts: dict[str, bool]  # the variant ({} for a case that varies no fact)
    counts: dict[str, int]  # difficulty -> number of active scenarios
    scenario_ids: tuple[str, ...]
    case_total: int  # active scenarios of the whole case

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def covered(self) -> bool:
        return self.total > 0

    @property
    def case_covered(self) -> bool:
        return self.case_total > 0

    @property
    def variant(self) -> str:
        """'has_account=false, email_used_elsewhere=true' or '-'."""
        if not self.facts:
            return "-"
        return ", ".join(f"{k}={'true' if v else 'false'}" for k, v in self.facts.items())

    def to_dict(self) -> dict:
        return {"sop": self.sop_id, "case": self.case_id, "title": self.case_title,
                "facts": dict(self.facts), "counts": dict(self.counts), "total": self.total,
                "scenarios": list(self.scenario_ids), "covered": self.covered,
                "case_covered": self.case_covered}


@dataclass
class Coverage:
    rows: list[CoverageRow] = field(default_factory=list)

    @property
    def uncovered_cases(self) -> list[str]:
        seen: list[str] = []
        for r in self.rows:
            if not r.case_covered and r.case_id not in seen:
                seen.append(r.case_id)
        return seen

    @property
    def uncovered_variants(self) -> list[CoverageRow]:
        return [r for r in self.rows if not r.covered]

    @property
    def ok(self) -> bool:
        """Every case has at least one active scenario."""
        return not self.uncovered_cases


def variants(fact_ids: Iterable[str]) -> list[dict[str, bool]]:
    """Every fact combination a scenario of a case varying `fact_ids` can have."""
    ids = list(fact_ids)
    out = []
    for values in itertools.product((False, True), repeat=len(ids)):
        combo = dict(zip(ids, values, strict=True))
        if any(all(combo.get(k) == v for k, v in bad.items()) and set(bad) <= set(ids)
               for bad in IMPOSSIBLE):
            continue
        out.append(combo)
    return out


def coverage(sops: Library, scenarios: Iterable[Scenario]) -> Coverage:
    """Coverage of every case of every SOP by the *active* scenarios given."""
    active = [s for s in scenarios if s.status == "aktif"]
    result = Coverage()
    for sop in sops.sops.values():
        for case in sop.cases:
            of_case = [s for s in active if s.case == case.id]
            for combo in variants(case.facts):
                match = [s for s in of_case
                         if all(bool(s.facts.get(k, False)) == v for k, v in combo.items())]
                counts = {d: sum(1 for s in match if s.difficulty == d) for d in DIFFICULTIES}
                result.rows.append(CoverageRow(
                    sop_id=sop.id, case_id=case.id, case_title=case.title, facts=combo,
                    counts=counts, scenario_ids=tuple(sorted(s.id for s in match)),
                    case_total=len(of_case),
                ))
    return result


RED, BOLD, RESET = "\033[31m", "\033[1m", "\033[0m"


def as_table(cov: Coverage, *, color: bool = False) -> str:
    """The coverage as a plain-text table (what `cso-trainer coverage` prints)."""
    head = ["kasus", "varian fakta", *DIFFICULTIES, "total", ""]
    body = []
    for r in cov.rows:
        mark = "" if r.covered else ("KASUS TANPA SKENARIO" if not r.case_covered
                                     else "belum ada skenario")
        body.append([r.case_id, r.variant, *(str(r.counts[d]) for d in DIFFICULTIES),
                     str(r.total), mark])
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]

    def fmt(row: list[str]) -> str:
        cells = [c.ljust(w) if i < 2 or i == len(row) - 1 else c.rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(cells).rstrip()

    lines = [fmt(head), fmt(["-" * w for w in widths])]
    for r, row in zip(cov.rows, body, strict=True):
        line = fmt(row)
        if color and not r.covered:
            line = f"{RED}{BOLD if not r.case_covered else ''}{line}{RESET}"
        lines.append(line)
    n_cases = len({r.case_id for r in cov.rows})
    lines.append("")
    lines.append(
        f"{n_cases - len(cov.uncovered_cases)} dari {n_cases} kasus punya skenario aktif; "
        f"{len(cov.uncovered_variants)} varian belum tercakup."
    )
    return "\n".join(lines)


def as_json(cov: Coverage) -> str:
    return json.dumps([r.to_dict() for r in cov.rows], ensure_ascii=False, indent=2)
