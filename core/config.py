"""Settings read from the environment, in one place.

CSO_DATABASE_URL   SQLAlchemy URL of the database (default: SQLite file data/cso_trainer.db)
CSO_SOP_PATH       folders of SOP YAML files, separated by os.pathsep (default: sop/library)
CSO_SCENARIO_PATH  folders of scenario YAML files (default: scenarios/library)
CSO_DEMO           "1" starts the app in demo mode with demo accounts and demo content
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CSO_DATA_DIR", ROOT / "data"))


def _paths(var: str, default: Path) -> list[Path]:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return [default]
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def sop_dirs() -> list[Path]:
    return _paths("CSO_SOP_PATH", ROOT / "sop" / "library")


def scenario_dirs() -> list[Path]:
    return _paths("CSO_SCENARIO_PATH", ROOT / "scenarios" / "library")


def database_url() -> str:
    url = os.environ.get("CSO_DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{DATA_DIR / 'cso_trainer.db'}"


def demo_mode() -> bool:
    return os.environ.get("CSO_DEMO", "").strip().lower() in {"1", "true", "yes", "ya"}
