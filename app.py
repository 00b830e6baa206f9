"""Streamlit entry point: page setup, who the visitor is, then the pages their roles allow.

Run with `streamlit run app.py`. Pages live in views/ and are listed in views/pages.py.
"""

import streamlit as st

from views.pages import pages_for
from views.roles import current_roles

st.set_page_config(page_title="CSO Trainer PLN 123", layout="wide")

# A login step will go here (before navigation); until then every visitor has every role.
roles = current_roles()
sections = pages_for(roles)
if not sections:
    st.error("Akun Anda belum memiliki akses ke halaman mana pun. Hubungi admin.")
    st.stop()
st.navigation(sections).run()
