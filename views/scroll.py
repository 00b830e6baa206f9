"""Where the browser shows a page: at its top, or at one element.

Streamlit scrolls inside its main section and keeps the position across reruns, so a long page
replaced by another (the call by its result) opens scrolled down. These helpers run a small
script once, when drawn; draw them only on the run that should move the view.
"""

from __future__ import annotations

import json

import streamlit as st

_SCRIPT = """<script>
(() => {
  const target = %s;
  const tries = [0, 60, 200, 450, 800, 1300, 2000, 3000];
  let done = false;
  const go = () => {
    if (done) return;
    const main = document.querySelector("[data-testid='stMain']");
    if (target === null) {
      if (main) main.scrollTo({top: 0});
      window.scrollTo(0, 0);
      return;
    }
    const el = document.getElementById(target);
    if (el) { el.scrollIntoView({block: "start"}); done = true; }
  };
  tries.forEach((ms) => setTimeout(go, ms));
})();
</script>"""


def to_top() -> None:
    """Show the page from its top."""
    st.html(_SCRIPT % "null", unsafe_allow_javascript=True)


def to_element(element_id: str) -> None:
    """Scroll the element with this HTML id to the top of the window (once it is drawn)."""
    st.html(_SCRIPT % json.dumps(element_id), unsafe_allow_javascript=True)
