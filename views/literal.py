"""Text typed by users (display names, trainer hints, QA comments, scenario titles, search
queries ...) shown literally where Streamlit renders Markdown (st.markdown, st.caption,
st.info/warning/error/success, expander and widget labels).

Escaping Markdown's signs is not enough in Streamlit: its renderer still turns a bare URL
("https://...", "www.x.id"), an e-mail address, and the shortcodes ":material/home:" and
":smile:" into links, icons and emoji, escaped or not. `unlink` puts an invisible zero-width
space where those patterns begin, after the escaping; `plain` does both. Where the exact text
matters more than its look, use st.text or st.code instead.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"  # zero-width space: invisible, but no link or shortcode runs across it
_MARKUP = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~:$=&])")
# In text already escaped (":" as "\:", "." as "\."): a ':' that can start a shortcode or a
# URL scheme (":material/home:", ":smile:", "https://", "mailto:"; not "16:23" nor "a: b"),
# "www." and the domain of an e-mail address (GFM autolinks; "sop@r2", with no dot, is none).
_AUTOLINK = re.compile(
    r"(?<=\\:)(?=[^\s\d])|(?i:(?<=\bw)(?=ww\\\.))|(?<=@)(?=[\w-]+(?:\\\.[\w-]+)+)")


def unlink(escaped: str) -> str:
    """Break autolinks and shortcodes in text whose Markdown signs are already escaped."""
    return _AUTOLINK.sub(ZWSP, escaped)


def plain(text: object) -> str:
    """Text for st.markdown/st.error shown literally: no emphasis, links (autolinked URLs,
    addresses and e-mails included), images, icons, emoji shortcodes, colours or HTML. Newlines
    and runs of spaces become one space."""
    return unlink(_MARKUP.sub(r"\\\1", " ".join(str(text).split())))
