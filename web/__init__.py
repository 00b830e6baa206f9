"""HTTP routes the app serves beside Streamlit's own (through st.App, see serve.py)."""
