"""A calendar, policy or ladder added with `helpdesk sla ... add` applies to the tickets
already open, as one saved on the admin pages or through the API does."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from helpdesk.cli import main
from tests.sla.desk import Desk, H
from tests.sla.test_scenarios import targets
from tests.sla.test_ticket_due import _due


async def test_a_policy_added_from_the_command_line_gives_open_tickets_their_due_times(
    desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.at("Mon 10:00")
    await desk.open()
    assert await _due(desk) is None  # no policy yet: no clock runs
    settings = desk.rt.settings
    monkeypatch.setenv("HELPDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HELPDESK_SECRET_KEY", settings.secret_key)
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps({"name": "Office hours", "calendar_id": desk.calendar,
                    "targets": targets(first=H, resolution=8 * H)})
    )  # fmt: skip
    assert await asyncio.to_thread(main, ["sla", "policy", "add", str(policy)]) == 0
    # The command runs on the real clock, not the test's: its first-reply clock starts then.
    assert await _due(desk) is not None
