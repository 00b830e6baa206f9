"""QA's comments on the signed-in trainee's own attempts, for the "Progres saya" page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from store.reviews import trainee_notes
from store.users import UserRecord
from views.qa_common import case_title, criterion_label, waktu, yes_no
from views.state import database


def render_notes(user: UserRecord) -> None:
    """A "Catatan QA" section: every QA override on the user's attempts, newest first."""
    notes = trainee_notes(database(), requester=user.requester, trainee_id=user.id)
    if not notes:
        return
    st.subheader("Catatan QA", anchor=False)
    st.caption("QA meninjau percobaan Anda dan mengubah penilaian kriteria berikut.")
    st.dataframe(
        pd.DataFrame({
            "Percobaan": [f"#{n.attempt_id} · {waktu(n.finished_at)}" for n in notes],
            "Kasus": [case_title(n.case_id) for n in notes],
            "Kriteria": [criterion_label(n.criterion_id) for n in notes],
            "Otomatis": [f"{yes_no(n.old_ok)} ({n.old_points:g})" for n in notes],
            "Penilaian QA": [f"{yes_no(n.new_ok)} ({n.new_points:g}/{n.max_points:g})"
                             for n in notes],
            "Komentar": [n.comment for n in notes],
            "Oleh": [f"{n.reviewer_name}, {waktu(n.at)}" for n in notes],
        }),
        hide_index=True,
        width="stretch",
        key="progres-catatan-qa",
    )
