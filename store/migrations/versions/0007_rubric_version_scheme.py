"""One rubric-version scheme: '<sop id>@r<n>', the SOP's version number in the database.

Scores used to record two schemes in the same columns: '<sop id>@v<file version>' (the SOP
file's `version:`, written when a score came from the files, e.g. the demo attempts) and
'<sop id>@v<file version>#<hash>' (a rescore without a database version), beside the pages'
'<sop id>@r<n>'. An old label becomes the database version of that SOP whose text has that
`version:` (the shipped file's import first, else the oldest such version); a label whose SOP
or version the database does not hold is left as it is, and so is the append-only score
history (score_versions).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# score_versions is append-only (a trigger refuses UPDATE): a rescore's old label stays in that
# history as it was written; the attempt and its fact row (what lists, dashboards and exports
# read) get the new name.
COLUMNS = (("attempts", "rubric_version"), ("attempt_facts", "rubric_version"))
OLD = re.compile(r"^(?P<sop>.+?)@v(?P<version>[^#@]+)(?:#.*)?$")
FILE_VERSION = re.compile(r"""^version:[ \t]*["']?([^"'\s#]+)""", re.M)


def _db_versions(bind) -> dict[tuple[str, str], int]:
    """(sop id, file `version:`) -> the database version number that stands for it."""
    rows = bind.execute(sa.text(
        "SELECT i.item_id, v.number, v.source, v.text FROM content_items i "
        "JOIN content_versions v ON v.item_pk = i.id WHERE i.kind = 'sop' "
        "ORDER BY i.item_id, v.number"
    ))
    out: dict[tuple[str, str], tuple[bool, int]] = {}
    for item_id, number, source, text in rows:
        found = FILE_VERSION.search(text or "")
        if not found:
            continue
        key = (item_id, found.group(1))
        shipped = source == "bawaan"
        have = out.get(key)
        if have is None or (shipped and not have[0]):
            out[key] = (shipped, number)
    return {k: n for k, (_, n) in out.items()}


def upgrade() -> None:
    bind = op.get_bind()
    numbers = _db_versions(bind)
    if not numbers:
        return
    for table, column in COLUMNS:
        olds = bind.execute(sa.text(
            f"SELECT DISTINCT {column} FROM {table} WHERE {column} LIKE '%@v%'"
        )).scalars().all()
        for old in olds:
            m = OLD.match(old or "")
            number = numbers.get((m.group("sop"), m.group("version"))) if m else None
            if number is None:
                continue
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old"),
                         {"new": f"{m.group('sop')}@r{number}"[:80], "old": old})


def downgrade() -> None:
    """'@r<n>' labels stay: they are plain text to the older code, and the old labels cannot
    be told apart again."""
