"""SOP as plain text (terminal) and as a Graphviz flowchart (DOT), both made from the data."""

from __future__ import annotations

import textwrap

from sop.models import Sop


def sop_as_text(sop: Sop, width: int = 100) -> str:
    lines = [sop.title, f"{sop.issuer} - {sop.date:%d-%m-%Y} (versi {sop.version})", ""]
    for step in sop.steps:
        head = f"[{step.id}] " + (f"{step.title}: " if step.title else "")
        lines.append(textwrap.fill(head + step.text, width, subsequent_indent="    "))
        for sub in step.substeps:
            text = " ".join(sub.text.split())
            lines.append(
                textwrap.fill(f"  [{sub.id}] {text}", width, subsequent_indent="        ")
            )
        lines.append("")
    lines.append("Kasus:")
    for case in sop.cases:
        exp = case.expected
        action = sop.action_label(exp.action)
        if exp.sub_issue_type:
            action += f" / {sop.sub_issue_label(exp.sub_issue_type)}"
        mark = " (asumsi pelatihan)" if exp.assumption else ""
        lines.append(f"  {case.id} [{case.sop_step}]: {case.title} -> {action}{mark}")
    return "\n".join(lines).rstrip() + "\n"


START = "Pelanggan menghubungi\\nCC PLN 123"
NEED = "Apa kebutuhan\\npelanggan?"
ASSUMED = "\\n(asumsi pelatihan)"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrap(text: str, width: int = 28) -> str:
    return "\\n".join(textwrap.wrap(" ".join(text.split()), width)) or " "


def sop_flowchart(sop: Sop, highlight: str | None = None) -> str:
    """DOT source of the SOP's decisions: customer need -> step -> APKT action per case."""
    out = [
        "digraph SOP {",
        '  rankdir=LR; bgcolor="transparent";',
        '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", '
        'fillcolor="#f4f8fb", color="#1f5f8b"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
        f"  start [label={_q(START)}, shape=oval, fillcolor=\"#ffd54f\"];",
        f"  need [label={_q(NEED)}, shape=diamond, fillcolor=\"#fff3c4\"];",
        "  start -> need;",
    ]
    step_of = {}
    for step in sop.steps:
        step_of[step.id] = step.id
        for sub in step.substeps:
            step_of[sub.id] = step.id
    for step in sop.steps:
        cases = [c for c in sop.cases if step_of.get(c.sop_step) == step.id]
        if not cases:
            continue
        title = step.title or step.text
        fill = ', fillcolor="#d6ecff", penwidth=2' if highlight == step.id else ""
        out.append(f'  "s{step.id}" [label={_q(f"{step.id}. " + _wrap(title))}{fill}];')
        out.append(f'  need -> "s{step.id}";')
        origin = f'"s{step.id}"'
        if step.decision and len(cases) > 1:
            out.append(
                f'  "d{step.id}" [label={_q(_wrap(step.decision, 22))}, shape=diamond, '
                'fillcolor="#fff3c4"];'
            )
            out.append(f'  "s{step.id}" -> "d{step.id}";')
            origin = f'"d{step.id}"'
        for case in cases:
            exp = case.expected
            label = sop.action_label(exp.action)
            if exp.sub_issue_type:
                label += "\\n" + sop.sub_issue_label(exp.sub_issue_type)
            style = ', style="rounded,filled,dashed"' if exp.assumption else ""
            colour = "#e8f5e9" if exp.action == "issue_closed" else "#fde0dc"
            node = f'"c{case.id}"'
            ref = f"[{case.sop_step}] " if case.sop_step != step.id else ""
            text = f"{ref}{_wrap(label, 26)}" + (ASSUMED if exp.assumption else "")
            out.append(f'  {node} [label={_q(text)}, fillcolor="{colour}"{style}];')
            edge = _wrap(case.flow_label or case.title, 22)
            out.append(f"  {origin} -> {node} [label={_q(edge)}];")
    out.append("}")
    return "\n".join(out)
