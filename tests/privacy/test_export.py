"""Export: one zip with everything held about a customer across email, Telegram and the web
form, through the API (admins only, and logged) and the `helpdesk customer` command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx

from helpdesk.migrate import upgrade_async
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET
from tests.privacy import seed as s
from tests.privacy.conftest import Staff
from tests.privacy.traces import found


def _check_archive(content: bytes, seeded: s.Seeded, *, csat: bool = False) -> dict[str, Any]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    data: dict[str, Any] = json.loads(archive.read("customer.json"))
    assert data["customer"]["id"] == seeded.customer_id
    assert data["customer"]["name"] == s.NAME
    assert {(i["kind"], i["address"]) for i in data["identities"]} == {
        ("email", s.EMAIL),
        ("telegram", s.TELEGRAM_ID),
    }
    assert {t["id"] for t in data["tickets"]} == set(seeded.tickets.values())
    texts = {m["text"] for m in data["messages"]}
    assert {s.EMAIL_TEXT, s.TELEGRAM_TEXT, s.FORM_TEXT} <= texts
    assert s.OTHER_TEXT not in texts  # nothing of the other customer
    (attachment,) = data["attachments"]
    assert archive.read(f"attachments/{attachment['id']}-scan.pdf") == s.ATTACHMENT
    raws = [n for n in archive.namelist() if n.startswith("raw/")]
    assert len(raws) == 1 and s.EMAIL_TEXT.encode() in archive.read(raws[0])
    assert [u["raw"]["message"]["text"] for u in data["telegram"]["updates"]] == [s.TELEGRAM_TEXT]
    (submission,) = data["web_form"]["submissions"]
    assert (submission["email"], submission["client_ip"]) == (s.EMAIL, "203.0.113.77")
    assert [r["address"] for r in data["email"]["auto_reply_throttle"]] == [s.EMAIL]
    assert len(data["quarantine"]) == 1
    assert {a["kind"] for a in data["audit"]} >= {"ticket_created"}
    assert data["missing_files"] == []
    if csat:
        assert [(c["rating"], c["comment"]) for c in data["csat"]] == [(2, s.CSAT_COMMENT)]
    return data


async def test_admin_exports_everything_and_the_export_is_logged(
    runtime: Runtime, client: httpx.AsyncClient, staff: Staff
) -> None:
    seeded = await s.seed(runtime, csat=True)
    url = f"/api/v1/customers/{seeded.customer_id}/export"
    assert (await client.get(url, headers=staff.auth("agent"))).status_code == 403
    response = await client.get(url, headers=staff.auth("admin"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    _check_archive(response.content, seeded, csat=True)

    log = await client.get(
        "/api/v1/access-log",
        params={"customer_id": seeded.customer_id},
        headers=staff.auth("admin"),
    )
    assert [(r["action"], r["user_id"], r["via"]) for r in log.json()["items"]] == [
        ("customer.export", staff.admin, "api")
    ]


async def test_erase_through_the_api_is_for_admins_and_needs_a_reason(
    runtime: Runtime, client: httpx.AsyncClient, staff: Staff
) -> None:
    seeded = await s.seed(runtime, csat=True)
    url = f"/api/v1/customers/{seeded.customer_id}/erase"
    body = {"reason": "GDPR request 2026-114"}
    assert (await client.post(url, json=body, headers=staff.auth("agent"))).status_code == 403
    missing = await client.post(url, json={}, headers=staff.auth("admin"))
    assert missing.status_code == 422 and "reason" in missing.json()["fields"]
    assert set(await found(runtime, s.SECRETS)) == set(s.SECRETS)

    response = await client.post(url, json=body, headers=staff.auth("admin"))
    assert response.status_code == 200
    assert response.json()["counts"]["identities"] == 2
    assert await found(runtime, s.SECRETS) == {}
    again = await client.post(url, json=body, headers=staff.auth("admin"))
    assert again.status_code == 409
    customer = await client.get(
        f"/api/v1/customers/{seeded.customer_id}", headers=staff.auth("admin")
    )
    assert customer.json()["erased"] is True and customer.json()["identities"] == []


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", *args],
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_customer_commands_export_and_erase(tmp_path: Path) -> None:
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
    finally:
        await rt.close()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env = {
        **clean,
        "HELPDESK_DATA_DIR": str(data_dir),
        "HELPDESK_SECRET_KEY": SECRET,
        "HELPDESK_LOG_LEVEL": "WARNING",
    }
    out = tmp_path / "ayse.zip"
    exported = _cli(env, "customer", "export", s.EMAIL, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    _check_archive(out.read_bytes(), seeded)

    refused = _cli(env, "customer", "erase", s.EMAIL, "--reason", "asked by mail")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    erased = _cli(env, "customer", "erase", f"telegram:{s.TELEGRAM_ID}", "--reason", "asked",
                  "--yes")  # fmt: skip
    assert erased.returncode == 0, erased.stderr
    assert f"customer {seeded.customer_id} erased" in erased.stdout
    gone = _cli(env, "customer", "export", s.EMAIL, "--out", str(out))
    assert gone.returncode == 2 and "no customer" in gone.stderr
