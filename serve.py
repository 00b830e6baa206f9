"""The app server: app.py served by Streamlit as an ASGI app (st.App, run by uvicorn), with the
two routes that set and clear the sign-in cookie (web/routes.py) beside Streamlit's own.

    streamlit run serve.py [--server.port 8501 ...]   # what bin/start does

`streamlit run app.py` still works, but then nobody stays signed in after a reload.
"""

import gc
import importlib
import logging

import streamlit as st

from views.errors import on_script_error
from views.pages import PAGES
from web.routes import ROUTES


def _import_pages_and_freeze() -> None:
    """Import every page's module now (pandas, altair, SQLAlchemy, openpyxl...: about 200,000
    objects that live as long as the process), then move them out of the garbage collector's
    sight (gc.freeze), so no collection walks them again. With runner.postScriptGC = false
    (.streamlit/config.toml) Python's own collections stay cheap (issue 12)."""
    # st.cache_data checks its options when a module is imported and says "No runtime found"
    # before the server's runtime exists; the cache itself is made at the first call
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for spec in PAGES:
            try:
                importlib.import_module(spec.target.partition(":")[0])
            except Exception:  # noqa: BLE001 - the page shows its own error when it is opened
                pass
    finally:
        quiet.setLevel(level)
    gc.collect()
    gc.freeze()


_import_pages_and_freeze()

# on_script_error: an exception in a page or a widget callback shows a short message with an
# error id (views/errors.py), never Streamlit's traceback
app = st.App("app.py", routes=ROUTES, on_script_error=on_script_error)
