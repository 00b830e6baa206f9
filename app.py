"""Streamlit entry point: who the visitor is, then the pages their roles allow.

Run with `streamlit run serve.py` (this script, plus the routes that set the sign-in cookie).
Pages live in views/ and are listed in views/pages.py.

Every page is registered (so a page's URL, with its query such as /qa?attempt=12, survives
the login and always resolves), but the sidebar menu links only the user's pages and each page
checks the user's roles itself before it draws anything. Nobody signed in: the login screen
(or the first-admin form on an empty database); an account that must change its password:
only that form. A browser that signed in before (reload, new tab, restart) is signed in by
its cookie (views.auth); serve.py serves this script with the routes that set that cookie.
"""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from views import auth
from views.errors import page_errors
from views.pages import build_pages, draw_menu
from views.state import database
from views.tasks_page import first_after_sign_in

pages = build_pages()
navigation = st.navigation(list(pages.values()), position="hidden")

try:
    database()  # opened and migrated once per process
    user = auth.signed_in_user()
except SQLAlchemyError as exc:
    st.error(f"Basis data tidak dapat dipakai ({type(exc).__name__}). Periksa CSO_DATABASE_URL.")
    st.stop()

st.set_page_config(
    page_title="CSO Trainer PLN 123",
    page_icon=":material/support_agent:",
    layout="wide",
    initial_sidebar_state="expanded" if user else "collapsed",  # no menu before signing in
)

with page_errors():  # a short message with an error id, never a traceback (views/errors.py)
    if user is None:
        auth.login_screen()
        st.stop()
    if user.must_change_password:
        auth.change_password_screen(user)
        st.stop()

    after_sso = auth.page_after_login(pages)  # the address asked for before a single sign-on
    if after_sso is not None:
        st.switch_page(pages[after_sso[0]], query_params=after_sso[1])

    first_after_sign_in(user, pages, navigation)  # a trainee with tasks: "Tugas saya" first
    draw_menu(user.roles, pages)
    auth.account_sidebar(user)
    navigation.run()
