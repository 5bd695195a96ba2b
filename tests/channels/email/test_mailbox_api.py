"""`/api/v1/mailboxes`: admins only, passwords write-only (stored encrypted), 422 per field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import select

from channels.email.tables import mailbox_t
from helpdesk.app import create_app
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from tests.channels.email._mailbox_support import agent, email_rt, rows

__all__ = ["email_rt"]

BODY: dict[str, Any] = {
    "name": "support",
    "address": "Support@Example.test",
    "display_name": "ACME Support",
    "imap_host": "imap.example.test",
    "imap_user": "support@example.test",
    "imap_password": "imap-pass-123",
    "smtp_host": "smtp.example.test",
    "smtp_user": "support@example.test",
    "smtp_password": "smtp-pass-456",
    "after_import": "move:Done",
}


@pytest_asyncio.fixture
async def client(email_rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(email_rt.settings, runtime=email_rt)
    _, token = await agent(email_rt, Role.ADMIN)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c


async def test_admin_creates_lists_updates_and_removes_a_mailbox(
    client: httpx.AsyncClient, email_rt: Runtime
) -> None:
    created = await client.post("/api/v1/mailboxes", json=BODY)
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["address"] == "support@example.test"
    assert data["imap_password_set"] and data["smtp_password_set"]
    assert "imap-pass-123" not in created.text and "smtp-pass-456" not in created.text
    assert "imap_password" not in data and "smtp_password" not in data
    stored = (await rows(email_rt, select(mailbox_t)))[0]
    assert stored["imap_password"] != "imap-pass-123"  # encrypted at rest

    listed = await client.get("/api/v1/mailboxes")
    assert [m["name"] for m in listed.json()["items"]] == ["support"]
    assert "pass" not in listed.text.replace("_password_set", "")

    patched = await client.patch(
        "/api/v1/mailboxes/support", json={"imap_password": "new-one", "active": False}
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert "new-one" not in patched.text
    assert (await client.delete("/api/v1/mailboxes/support")).status_code == 204
    assert (await client.get("/api/v1/mailboxes/support")).status_code == 404


async def test_bad_input_gets_422_per_field(client: httpx.AsyncClient) -> None:
    bad = {
        **BODY,
        "name": "Has Spaces",
        "address": "not-an-address",
        "imap_port": 70000,
        "imap_tls": "ssl3",
        "after_import": "delete",
    }
    response = await client.post("/api/v1/mailboxes", json=bad)
    assert response.status_code == 422
    fields = response.json()["fields"]
    for name in ("name", "address", "imap_port", "imap_tls", "after_import"):
        assert name in fields, name
    missing = await client.post("/api/v1/mailboxes", json={"name": "x"})
    assert missing.status_code == 422 and "imap_host" in missing.json()["fields"]
    not_json = await client.post("/api/v1/mailboxes", content=b"{nope")
    assert not_json.status_code == 422
    unknown = await client.patch("/api/v1/mailboxes/support", json={"imap_port": 1})
    assert unknown.status_code == 404

    assert (await client.post("/api/v1/mailboxes", json=BODY)).status_code == 201
    twice = await client.post("/api/v1/mailboxes", json=BODY)
    assert twice.status_code == 422
    assert set(twice.json()["fields"]) == {"name", "address"}
    extra = await client.patch("/api/v1/mailboxes/support", json={"password": "x"})
    assert extra.status_code == 422 and "password" in extra.json()["fields"]
    nulls = await client.patch(
        "/api/v1/mailboxes/support", json={"imap_tls": None, "active": None, "smtp_user": None}
    )
    assert nulls.status_code == 422
    assert set(nulls.json()["fields"]) == {"imap_tls", "active"}
    cleared = await client.patch("/api/v1/mailboxes/support", json={"default_team": None})
    assert cleared.status_code == 200


async def test_only_admins(client: httpx.AsyncClient, email_rt: Runtime) -> None:
    _, token = await agent(email_rt, Role.AGENT)
    as_agent = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/mailboxes", headers=as_agent)).status_code == 403
    assert (await client.post("/api/v1/mailboxes", json=BODY, headers=as_agent)).status_code == 403
    anonymous = {"Authorization": ""}
    assert (await client.get("/api/v1/mailboxes", headers=anonymous)).status_code == 401
