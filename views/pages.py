"""The page registry: every page of the app, its section, and the roles that may see it.

To add a page, add a `PageSpec` to `PAGES`; app.py needs no change. `target` names the
function that draws the page as "module:function", imported only when the page is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import streamlit as st

from views.roles import ROLES

ALL_ROLES = frozenset(ROLES)


@dataclass(frozen=True)
class PageSpec:
    title: str  # shown in the navigation, in Indonesian
    icon: str  # a Material icon, ":material/name:"
    target: str  # "views.module:function" that draws the page
    url_path: str
    roles: frozenset[str]  # roles that may see the page
    section: str = "Pengetahuan"
    default: bool = False

    def load(self) -> Callable[[], None]:
        module, _, func = self.target.partition(":")
        return getattr(importlib.import_module(module), func or "render")


PAGES: list[PageSpec] = [
    PageSpec(
        title="SOP",
        icon=":material/menu_book:",
        target="views.sop_page:render",
        url_path="sop",
        roles=ALL_ROLES,
        section="Pengetahuan",
        default=True,
    ),
]


def specs_for(roles: Iterable[str], pages: Iterable[PageSpec] | None = None) -> list[PageSpec]:
    """The page specs that a visitor with `roles` may see, in registry order."""
    have = set(roles)
    return [p for p in (PAGES if pages is None else pages) if p.roles & have]


def pages_for(roles: set[str]) -> dict[str, list[st.Page]]:
    """st.Page objects the visitor may see, grouped by section (for st.navigation)."""
    specs = specs_for(roles)
    has_default = any(p.default for p in specs)
    sections: dict[str, list[st.Page]] = {}
    for i, spec in enumerate(specs):
        page = st.Page(
            spec.load(),
            title=spec.title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec.default or (not has_default and i == 0),
        )
        sections.setdefault(spec.section, []).append(page)
    return sections
