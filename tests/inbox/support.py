"""A small directory for inbox tests and a browser-free way to sign in over HTTP."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from channels.base import Attachment, Identity, InboundMessage
from helpdesk import services
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges

PASSWORD = "correct horse battery"


def _png(width: int, height: int) -> bytes:
    """A small real image (a blue-grey gradient), built here so the fixture is our own."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )  # fmt: skip

    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + x, 90 + y, 160)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )  # fmt: skip


PNG = _png(160, 90)


@dataclass
class Directory:
    teams: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)


async def setup_directory(rt: Runtime) -> Directory:
    """Support (Ayşe, Bea) and Tech (Tom) teams, a supervisor, and one ticket per team."""
    d = Directory()
    async with rt.stores() as store:
        for name in ("Support", "Tech"):
            d.teams[name] = await services.create_team(store, name)
        for email, name, role, team in (
            ("ayse@example.test", "Ayşe Agent", Role.AGENT, "Support"),
            ("bea@example.test", "Bea Agent", Role.AGENT, "Support"),
            ("tom@example.test", "Tom Agent", Role.AGENT, "Tech"),
            ("sam@example.test", "Sam Supervisor", Role.SUPERVISOR, None),
        ):
            d.users[email.split("@")[0]] = await services.create_user(
                store, email=email, name=name, role=role, password=PASSWORD,
                team_ids=(d.teams[team],) if team else (),
            )  # fmt: skip
    d.tickets["support"] = await customer_writes(
        rt, "support-1", "jane@example.com", "Jane Doe", "Printer on fire",
        "The office printer shows error E42 and smells of smoke.",
    )  # fmt: skip
    d.tickets["tech"] = await customer_writes(
        rt, "tech-1", "olga@example.com", "Olga", "API returns 502",
        "Since ten o'clock every call to the API returns 502.",
        attachments=(Attachment("trace.png", "image/png", len(PNG), PNG),),
    )  # fmt: skip
    async with rt.stores() as store:
        system = Actor.system()
        await services.update_ticket(
            store, d.tickets["support"], system, TicketChanges(team_id=d.teams["Support"])
        )
        await services.update_ticket(
            store, d.tickets["tech"], system, TicketChanges(team_id=d.teams["Tech"])
        )
    return d


async def customer_writes(
    rt: Runtime,
    external_id: str,
    address: str,
    name: str,
    subject: str,
    text: str,
    *,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    references: tuple[str, ...] = (),
    raw: bytes | None = None,
) -> int:
    async with rt.stores() as store:
        result = await services.ingest(
            store,
            InboundMessage(
                channel="email",
                external_id=f"<{external_id}@example.com>",
                sender=Identity("email", address, name),
                subject=subject,
                text=text,
                full_text=text,
                html=html,
                attachments=attachments,
                references=references,
                received_at=rt.clock.now() - timedelta(minutes=5),
                language="en",
            ),
            raw=raw,
        )
    assert result.ticket_id is not None
    return result.ticket_id


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token from the inbox page."""
    form = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": email, "password": password, "csrf": csrf_in(form.text), "next": "/inbox"},
    )
    assert response.status_code == 303, response.text
    inbox = await client.get("/inbox")
    assert inbox.status_code == 200
    return csrf_in(inbox.text)
