"""The page registry: every page of the app, its section, and the roles that may open it.

To add a page, add a `PageSpec` to `PAGES`; app.py needs no change. `target` names the
function that draws the page as "module:function", imported only when the page is opened.

Access is checked twice, both on the server:
- the sidebar menu (`draw_menu`) links only the pages of the user's roles;
- every page is registered with st.navigation (so its URL always resolves) behind a guard
  (`views.auth.require_roles(spec.roles)`), so opening the URL of a page one may not see shows
  a refusal, never the page. Pages with sensitive data call `require_roles` themselves too.
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
    title: str  # shown in the menu and the browser tab, in Indonesian
    icon: str  # a Material icon, ":material/name:"
    target: str  # "views.module:function" that draws the page
    url_path: str
    roles: frozenset[str]  # roles that may open the page
    section: str = "Pengetahuan"
    default: bool = False  # the page at "/" (must be open to every role)

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
    PageSpec(
        title="Tugas saya",
        icon=":material/assignment:",
        target="views.tasks_page:render",
        url_path="tugas",
        roles=frozenset({"trainee"}),
        section="Latihan",
    ),
    PageSpec(
        title="Latihan",
        icon=":material/headset_mic:",
        target="views.practice_page:render",
        url_path="latihan",
        roles=frozenset({"trainee", "trainer", "qa", "admin"}),
        section="Latihan",
    ),
    PageSpec(
        title="Progres saya",
        icon=":material/trending_up:",
        target="views.progress_page:render",
        url_path="progres",
        roles=frozenset({"trainee", "trainer", "qa", "admin"}),
        section="Latihan",
    ),
    PageSpec(
        title="Skenario",
        icon=":material/theater_comedy:",
        target="views.scenarios_page:render",
        url_path="skenario",
        roles=frozenset({"trainer"}),
        section="Trainer",
    ),
    PageSpec(
        title="Angkatan",
        icon=":material/groups:",
        target="views.cohorts_page:render",
        url_path="angkatan",
        roles=frozenset({"trainer", "admin"}),
        section="Trainer",
    ),
    PageSpec(
        title="QA",
        icon=":material/fact_check:",
        target="views.qa_page:render",
        url_path="qa",
        roles=frozenset({"qa"}),
        section="QA",
    ),
    PageSpec(
        title="Pengguna",
        icon=":material/manage_accounts:",
        target="views.users_page:render",
        url_path="pengguna",
        roles=frozenset({"admin"}),
        section="Admin",
    ),
]


def roles_of(url_path: str) -> frozenset[str]:
    """The roles that may open the page at `url_path` (the registry is the one place that says
    so; pages ask it for their own guard)."""
    return next(p.roles for p in PAGES if p.url_path == url_path)


def specs_for(roles: Iterable[str], pages: Iterable[PageSpec] | None = None) -> list[PageSpec]:
    """The page specs that a visitor with `roles` may open, in registry order."""
    have = set(roles)
    return [p for p in (PAGES if pages is None else pages) if p.roles & have]


def sections_for(roles: Iterable[str]) -> dict[str, list[PageSpec]]:
    """The menu of a visitor with `roles`: their page specs grouped by section, in the order
    the sections first appear in the registry."""
    sections: dict[str, list[PageSpec]] = {}
    for spec in specs_for(roles):
        sections.setdefault(spec.section, []).append(spec)
    return sections


def _guarded(spec: PageSpec) -> Callable[[], None]:
    def page() -> None:
        from views.auth import require_roles

        require_roles(spec.roles)
        spec.load()()

    page.__name__ = page.__qualname__ = f"page_{spec.url_path}"
    return page


def build_pages() -> dict[str, st.Page]:
    """Every registered page as a guarded st.Page, by url_path (for st.navigation).

    The default page is served at "/" (key ""), and under its own url_path too, so a link to
    it (/sop) opens it like any other page instead of Streamlit's "Page not found"."""
    has_default = any(p.default for p in PAGES)
    pages: dict[str, st.Page] = {}
    for i, spec in enumerate(PAGES):
        page = _guarded(spec)
        if spec.default or (not has_default and i == 0):
            pages[""] = st.Page(page, title=spec.title, icon=spec.icon, default=True)
        pages[spec.url_path] = st.Page(page, title=spec.title, icon=spec.icon,
                                       url_path=spec.url_path)  # fmt: skip
    return pages


def pages_for(roles: set[str]) -> dict[str, list[st.Page]]:
    """st.Page objects the visitor may open, grouped by section."""
    pages = build_pages()
    return {
        section: [pages[s.url_path] for s in specs]
        for section, specs in sections_for(roles).items()
    }


def draw_menu(roles: Iterable[str], pages: dict[str, st.Page]) -> None:
    """The sidebar menu: a link to each page the roles may open, under its section."""
    with st.sidebar:
        st.subheader("CSO Trainer PLN 123", anchor=False)
        for section, specs in sections_for(roles).items():
            st.caption(section)
            for spec in specs:
                st.page_link(pages[spec.url_path], label=spec.title, icon=spec.icon)
