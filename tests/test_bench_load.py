"""The load benchmark's client (bench/load.py) against a real server, one trainee: the actions
do what they should. No timing is asserted; the benchmark prints figures, it never tests them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text

from bench import load


def _attempts(database_url: str, user_id: int) -> list[tuple[str, int]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                text("SELECT case_id, trainee_id FROM attempts WHERE trainee_id = :u"),
                {"u": user_id})]  # fmt: skip
    finally:
        engine.dispose()


def test_one_trainee_signs_in_calls_replies_five_times_and_saves(tmp_path):
    case_title = load._case_title(load.CASE)
    with load.start_server(tmp_path / "app") as server:
        (user_id,) = load.create_trainees(server.database_url, 1)
        cookie = load.sign_in(server, user_id)
        assert cookie

        async def flow() -> load.Trainee:
            group = load.Group(server, await load._connect(server, [{load.COOKIE: cookie}]))
            try:
                await load.latihan_flow(group, case_title)
            finally:
                await load._close(group.trainees)
            return group.trainees[0]

        # a thread of its own: a browser test before this one may leave an event loop
        # running in the main thread (Playwright's sync API)
        with ThreadPoolExecutor(1) as pool:
            trainee = pool.submit(asyncio.run, flow()).result()
        saved = _attempts(server.database_url, user_id)

    assert trainee.problems == []
    s = trainee.session
    assert "latihan" in s.pages  # signed in by the cookie: the menu has the trainee's pages
    # the call started with the customer's opening line, and the data panel showed an IDPEL
    assert trainee.customer_lines[0] >= 1
    assert trainee.idpel and len(trainee.idpel) == 12
    # five replies, each answered by a new customer line, each a run of the chat fragment only
    assert len(trainee.timings["balas"]) == len(load.REPLIES) == 5
    lines = trainee.customer_lines
    assert len(lines) == 6
    assert all(after == before + 1 for before, after in zip(lines, lines[1:], strict=False))
    assert trainee.fragment_runs.get("balas") == 5
    # the APKT form was submitted: the result screen, and one attempt in the database
    assert trainee.saved
    assert saved == [(load.CASE, user_id)]
    for action in ("buka", "rerun", "ke_latihan", "pilih_kasus", "mulai", "isi_apkt", "simpan"):
        assert trainee.timings[action], action
