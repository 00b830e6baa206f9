"""Streamlit entry point: who the visitor is, then the pages their roles allow.

Run with `streamlit run app.py`. Pages live in views/ and are listed in views/pages.py.

Every page is registered (so a page's URL survives the login and always resolves), but the
sidebar menu links only the user's pages and each page checks the user's roles itself before
it draws anything. Nobody signed in: the login screen (or the first-admin form on an empty
database); an account that must change its password: only that form.
"""

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from views import auth
from views.pages import build_pages, draw_menu
from views.state import database

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

if user is None:
    auth.login_screen()
    st.stop()
if user.must_change_password:
    auth.change_password_screen(user)
    st.stop()

draw_menu(user.roles, pages)
auth.account_sidebar(user)
navigation.run()
