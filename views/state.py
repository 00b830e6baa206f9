"""Shared, cached resources for the pages (the only place that caches domain objects)."""

from __future__ import annotations

import streamlit as st

from scoring.scorer import Scorer
from sop.library import Library, load_library


@st.cache_resource(show_spinner=False)
def library() -> Library:
    """Every SOP, parsed once per server process."""
    return load_library()


@st.cache_resource(show_spinner=False)
def scorer() -> Scorer:
    return Scorer(library())
