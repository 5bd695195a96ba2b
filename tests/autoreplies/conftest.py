"""Acknowledgements on: the runtime of these tests sends them (the suite's default is off)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.settings import Settings
from tests.fixtures_db import SECRET


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        secret_key=SECRET,
        acknowledge=True,
        default_timezone="Europe/Istanbul",
    )
