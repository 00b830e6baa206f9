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
  // Streamlit itself scrolls a newly opened page to its top once the run has ended, so the
  // step is brought back into view while the page is still at its top (not when the user has
  // scrolled elsewhere meanwhile).
  const tries = [0, 60, 200, 450, 800, 1300, 2000, 3000, 4000, 5500];
  let landed = false;
  const go = () => {
    const main = document.querySelector("[data-testid='stMain']");
    if (target === null) {
      if (main) main.scrollTo({top: 0});
      window.scrollTo(0, 0);
      return;
    }
    const el = document.getElementById(target);
    if (!el) return;
    if (!landed || (main && main.scrollTop === 0)) {
      el.scrollIntoView({block: "start"});
      landed = true;
    }
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
