"""The webhook and access-log commands, in real subprocesses on a seeded data directory."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from helpdesk import privacy
from helpdesk.migrate import upgrade_async
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET
from tests.privacy import seed as s


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_webhook_and_access_log_commands(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{data_dir / 'helpdesk.db'}",
        data_dir=data_dir,
        secret_key=SECRET,
    )
    await upgrade_async(settings.database_url)
    rt = assemble(settings)
    await start(rt, periodic=False)
    try:
        seeded = await s.seed(rt)
        await privacy.export(rt, s.EMAIL, user_id=None, via="cli")
    finally:
        await rt.close()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env = {**clean, "HELPDESK_DATA_DIR": str(data_dir), "HELPDESK_SECRET_KEY": SECRET}

    added = _cli(env, "webhook", "add", "http://127.0.0.1:9/hook", "--event", "ticket.created")
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[1].startswith("whsec_")
    listed = _cli(env, "webhook", "list").stdout.split("\t")
    assert listed[:3] == ["1", "active", "ticket.created"]
    assert _cli(env, "webhook", "deliveries", "--dead").stdout == ""
    missing = _cli(env, "webhook", "replay", "42")
    assert missing.returncode == 2 and "no webhook delivery 42" in missing.stderr
    assert _cli(env, "webhook", "remove", "1").returncode == 0
    assert "inactive" in _cli(env, "webhook", "list").stdout

    out = tmp_path / "access.csv"
    exported = _cli(env, "access-log", "export", "--customer", str(seeded.customer_id),
                    "--out", str(out))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["action"], r["via"], r["customer_id"]) for r in rows] == [
        ("customer.export", "cli", str(seeded.customer_id))
    ]
    bad = _cli(env, "access-log", "export", "--since", "2026-11-01")
    assert bad.returncode == 2 and "time zone" in bad.stderr
