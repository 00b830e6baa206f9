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
  // Streamlit itself scrolls a newly opened page to its top once the run has ended (later on a
  // busy server), so for 15 s the view is brought back whenever it is found at the top again;
  // the user's own scrolling (wheel, keys, touch) ends that at once.
  let stop = false;
  const quit = () => { stop = true; };
  ["wheel", "keydown", "touchstart", "mousedown"].forEach(
    (e) => window.addEventListener(e, quit, {once: true, passive: true}));
  let landed = false;
  const go = () => {
    if (stop) return;
    const main = document.querySelector("[data-testid='stMain']");
    if (target === null) {
      if (main && main.scrollTop !== 0) main.scrollTo({top: 0});
      return;
    }
    const el = document.getElementById(target);
    if (el && (!landed || (main && main.scrollTop === 0))) {
      el.scrollIntoView({block: "start"});
      landed = true;
    }
  };
  go();
  const timer = setInterval(go, 200);
  setTimeout(() => { clearInterval(timer); quit(); }, target === null ? 3000 : 15000);
})();
</script>"""


def to_top() -> None:
    """Show the page from its top."""
    st.html(_SCRIPT % "null", unsafe_allow_javascript=True)


def to_element(element_id: str) -> None:
    """Scroll the element with this HTML id to the top of the window (once it is drawn)."""
    st.html(_SCRIPT % json.dumps(element_id), unsafe_allow_javascript=True)
