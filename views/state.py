"""Shared, cached resources for the pages (the only place that caches domain objects)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import streamlit as st

from core.config import database_url, sop_dirs
from scenarios.dialogue import DialogueRules
from scenarios.library import ScenarioLibrary
from scoring.scorer import Scorer
from services.content import dialogue_rules_of, scorer_of
from sop.library import Library, load_library
from sop.yamlfile import Problem
from store.content_io import import_shipped
from store.content_snapshot import ContentSnapshot, content_snapshot
from store.db import Database


def library() -> Library:
    """Every SOP in its current version in the database (what the scorer, QA and the command
    line use too), parsed once per change; never the files, which are only imported. Its
    `problems` include those of SOP files that could not be imported (the SOP page lists
    them, so a broken file is reported and never hides the good ones)."""
    lib = content().sops
    problems = _sop_file_problems(tuple(str(p) for p in sop_dirs()))
    if not problems:
        return lib
    return dataclasses.replace(lib, problems=[*lib.problems, *problems])


@st.cache_resource(show_spinner=False)
def _sop_file_problems(paths: tuple[str, ...]) -> list[Problem]:
    return load_library([Path(p) for p in paths]).problems


def scorer() -> Scorer:
    """The scorer of the current rubric version in the database (rebuilt when a trainer saves
    a new one); record `rubric_version(sop.id)` with every score it gives."""
    return scorer_of(content())


def database() -> Database:
    """The app's database (CSO_DATABASE_URL or data/cso_trainer.db), migrated to the newest
    schema and holding the shipped content, once per server process and URL."""
    return _database(database_url())


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    import_shipped(db)  # the shipped SOP and scenario files, on first start (idempotent)
    return db


def content() -> ContentSnapshot:
    """The current scenarios and SOP versions of the database, parsed once per change (one
    small query per call; store.content_snapshot caches the parsed content per database)."""
    return content_snapshot(database())


def scenarios() -> ScenarioLibrary:
    """The current version of every scenario authored on the Skenario page (`.active()`: the
    ones to practise); retired ones stay so attempts can still show them."""
    return content().scenarios


def dialogue_rules() -> DialogueRules:
    """The simulated customer's rules for the current SOP versions."""
    return dialogue_rules_of(content())


def rubric_version(sop_id: str) -> str:
    """What attempts.rubric_version records for a score given now, e.g.
    'pln123.tagihan_invoice@r3'."""
    return content().rubric_version(sop_id)
