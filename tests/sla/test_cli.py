"""`helpdesk sla ...` as an operator uses it: JSON files in, rows created, bad files refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HELPDESK = [sys.executable, "-m", "helpdesk.cli"]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(HELPDESK_DATA_DIR=str(tmp_path / "data"), HELPDESK_LOG_LEVEL="WARNING")
    return subprocess.run(
        [*HELPDESK, "sla", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_calendar_policy_and_ladder_from_json_files(tmp_path: Path) -> None:
    files = {
        "calendar": {"name": "Istanbul", "tz": "Europe/Istanbul",
                     "weekly": {"0": [["09:00", "18:00"]]}, "holiday_country": "TR"},
        "policy": {"name": "Default", "calendar_id": 1,
                   "targets": {"first_reply": {"normal": "1h"}}},
        "ladder": {"name": "Everything", "levels": [
            {"offset": 0, "actions": [{"type": "notify", "target": "supervisor"}]}]},
        "bad": {"name": "Broken", "targets": {"first_reply": {"normal": -1}}, "colour": "red"},
    }  # fmt: skip
    for name, data in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    for kind in ("calendar", "policy", "ladder"):
        done = _run(tmp_path, kind, "add", str(tmp_path / f"{kind}.json"))
        assert (done.returncode, done.stdout) == (0, f"{kind} 1 created\n"), done.stderr
    refused = _run(tmp_path, "policy", "add", str(tmp_path / "bad.json"))
    assert refused.returncode == 2
    assert "targets" in refused.stderr and "colour" in refused.stderr
    missing = _run(tmp_path, "policy", "add", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "nope.json" in missing.stderr
    assert _run(tmp_path, "reconcile").stdout == "0 tickets re-evaluated\n"
