"""What is built from the database's current content and is not stored: the scorer and the
dialogue rules of a content snapshot (store.content_snapshot), built once per snapshot."""

from __future__ import annotations

from scenarios.dialogue import DialogueRules, load_dialogue_rules
from scoring.scorer import Scorer
from store.content_snapshot import ContentSnapshot


def scorer_of(snap: ContentSnapshot) -> Scorer:
    """The scorer of the snapshot's SOPs (built on first use, kept with the snapshot)."""
    found = snap.derived.get("scorer")
    if found is None:
        found = snap.derived["scorer"] = Scorer(snap.sops)
    return found


def dialogue_rules_of(snap: ContentSnapshot) -> DialogueRules:
    """The dialogue rules of the snapshot's SOPs (built on first use, kept with the snapshot)."""
    found = snap.derived.get("dialogue_rules")
    if found is None:
        found = snap.derived["dialogue_rules"] = load_dialogue_rules(snap.sops)
    return found
