"""The app server: app.py served by Streamlit as an ASGI app (st.App, run by uvicorn), with the
two routes that set and clear the sign-in cookie (web/routes.py) beside Streamlit's own.

    streamlit run serve.py [--server.port 8501 ...]   # what bin/start does

`streamlit run app.py` still works, but then nobody stays signed in after a reload.
"""

import streamlit as st

from views.errors import on_script_error
from web.routes import ROUTES

# on_script_error: an exception in a page or a widget callback shows a short message with an
# error id (views/errors.py), never Streamlit's traceback
app = st.App("app.py", routes=ROUTES, on_script_error=on_script_error)
