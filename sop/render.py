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


START = "Pelanggan menghubungi\nCC PLN 123"
NEED = "Apa kebutuhan\npelanggan?"
ASSUMED = "\n(asumsi pelatihan)"
FONT = "Helvetica,Arial,sans-serif"


def _q(text: str) -> str:
    """A DOT string literal; a newline in `text` becomes a centred line break."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 24) -> str:
    lines = textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)
    return "\n".join(lines) or " "


def sop_flowchart(sop: Sop, highlight: str | None = None) -> str:
    """DOT source of the SOP's decisions: customer need -> step -> APKT action per case.

    `highlight` names a top-level step id to draw emphasised (e.g. the best search hit).
    Outcomes that rest on a training assumption are dashed and say so.
    """
    out = [
        "digraph SOP {",
        '  rankdir=LR; bgcolor="transparent"; nodesep=0.25; ranksep=0.45;',
        f'  node [fontname="{FONT}", fontsize=13, shape=box, style="rounded,filled", '
        'fillcolor="#f4f8fb", color="#1f5f8b", margin="0.12,0.06"];',
        f'  edge [fontname="{FONT}", fontsize=11, color="#666666", fontcolor="#333333"];',
        f'  start [label={_q(START)}, shape=oval, fillcolor="#ffd54f"];',
        f'  need [label={_q(NEED)}, shape=diamond, fillcolor="#fff3c4", margin=0];',
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
        fill = ', fillcolor="#d6ecff", penwidth=3' if highlight == step.id else ""
        label = f"Langkah {step.id}\n{_wrap(title)}"
        out.append(f'  "s{step.id}" [label={_q(label)}{fill}];')
        out.append(f'  need -> "s{step.id}";')
        origin = f'"s{step.id}"'
        if step.decision and len(cases) > 1:
            out.append(
                f'  "d{step.id}" [label={_q(_wrap(step.decision, 20))}, shape=diamond, '
                'fillcolor="#fff3c4", margin=0];'
            )
            out.append(f'  "s{step.id}" -> "d{step.id}";')
            origin = f'"d{step.id}"'
        for case in cases:
            exp = case.expected
            lines = [f"Langkah {case.sop_step}"] if case.sop_step != step.id else []
            lines.append(_wrap(sop.action_label(exp.action), 30))
            if exp.sub_issue_type:
                sub = sop.sub_issue_label(exp.sub_issue_type)
                lines.append("Sub Issue Type:\n" + _wrap(sub, 30))
            text = "\n".join(lines) + (ASSUMED if exp.assumption else "")
            style = ', style="rounded,filled,dashed"' if exp.assumption else ""
            colour = "#e8f5e9" if exp.action in ("issue_closed", "none") else "#fde0dc"
            node = f'"c{case.id}"'
            out.append(f'  {node} [label={_q(text)}, fillcolor="{colour}"{style}];')
            edge = _wrap(case.flow_label or case.title, 22)
            out.append(f"  {origin} -> {node} [label={_q(edge)}];")
    out.append("}")
    return "\n".join(out)


PATH_LABELS = {
    "with_account": "Sudah punya akun",
    "without_account": "Belum punya akun",
}


def path_flowchart(sop: Sop, criterion: str = "website_steps") -> str | None:
    """DOT source of the step order a criterion checks (e.g. the website steps of No. 4).

    The two paths of the criterion (with and without an account) share their first and last
    steps; the chart draws the shared steps once and branches at the step's decision.
    None when the criterion has no such paths.
    """
    crit = sop.criteria.get(criterion)
    paths = crit.paths if crit else None
    if not paths or set(paths) != set(PATH_LABELS):
        return None
    a, b = paths["with_account"], paths["without_account"]
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    m = 0
    while m < min(len(a), len(b)) - n and a[-1 - m] == b[-1 - m]:
        m += 1
    prefix, suffix = a[:n], a[len(a) - m :]
    parent = sop.step(crit.sop_ref) if crit and crit.sop_ref else None
    question = (parent.decision if parent else None) or "Pelanggan sudah memiliki akun?"

    out = [
        "digraph Langkah {",
        '  rankdir=TB; bgcolor="transparent"; nodesep=0.3; ranksep=0.3;',
        f'  node [fontname="{FONT}", fontsize=13, shape=box, style="rounded,filled", '
        'fillcolor="#f4f8fb", color="#1f5f8b", margin="0.12,0.06"];',
        f'  edge [fontname="{FONT}", fontsize=11, color="#666666", fontcolor="#333333"];',
    ]

    def node(step_id: str) -> str:
        step = sop.step(step_id)
        text = " ".join((step.text if step else step_id).split())
        label = step_id + "\n" + _wrap(text, 34)
        return f'  "{step_id}" [label={_q(label)}];'

    for sid in dict.fromkeys(a + b):
        out.append(node(sid))
    out.append(
        f'  decide [label={_q(_wrap(question, 18))}, shape=diamond, '
        'fillcolor="#fff3c4", margin=0];'
    )

    def chain(ids: list[str]) -> None:
        for x, y in zip(ids, ids[1:], strict=False):
            out.append(f'  "{x}" -> "{y}";')

    chain(prefix)
    if prefix:
        out.append(f'  "{prefix[-1]}" -> decide;')
    for key, path in (("with_account", a), ("without_account", b)):
        middle = path[n : len(path) - m]
        first = (middle or suffix or ["decide"])[0]
        out.append(f'  decide -> "{first}" [label={_q(PATH_LABELS[key])}];')
        chain(middle)
        if middle and suffix:
            out.append(f'  "{middle[-1]}" -> "{suffix[0]}";')
    chain(suffix)
    out.append("}")
    return "\n".join(out)
