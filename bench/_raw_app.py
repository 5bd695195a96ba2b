"""The baseline for `bench/api_write.py`: a minimal Starlette app writing the same rows as the
product's create, reply and PATCH endpoints with plain drivers (sqlite3, or an asyncpg pool),
one transaction per request, no validation beyond JSON parsing, no layers.

    python bench/_raw_app.py DATABASE_URL PORT
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class Db(Protocol):
    async def value(self, sql: str, *args: Any) -> Any: ...
    async def run(self, sql: str, *args: Any) -> None: ...


class SqliteDb:
    """One connection with the product's pragmas (WAL, synchronous=FULL); a lock makes one
    writer at a time, as SQLite's write lock would."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        async with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    async def value(self, sql: str, *args: Any) -> Any:
        row = self.conn.execute(sql, args).fetchone()
        return None if row is None else row[0]

    async def run(self, sql: str, *args: Any) -> None:
        self.conn.execute(sql, args)


class PostgresDb:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.pool: Any = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        import asyncpg

        if self.pool is None:
            self.pool = await asyncpg.create_pool(self.dsn, min_size=4, max_size=16)
        async with self.pool.acquire() as conn, conn.transaction():
            yield _PgConn(conn)


class _PgConn:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def value(self, sql: str, *args: Any) -> Any:
        return await self.conn.fetchval(_numbered(sql), *args)

    async def run(self, sql: str, *args: Any) -> None:
        await self.conn.execute(_numbered(sql), *args)


def _numbered(sql: str) -> str:
    parts = sql.split("?")
    return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))


def _now(pg: bool) -> Any:
    now = datetime.now(UTC)
    return now if pg else now.isoformat()


async def create(db: Db, body: dict[str, Any], pg: bool) -> int:
    now = _now(pg)
    email = body["requester"]["email"].lower()
    customer = await db.value(
        "SELECT customer_id FROM customer_identity WHERE kind='email' AND address=?", email
    )
    if customer is None:
        customer = await db.value(
            "INSERT INTO customer (name, created_at) VALUES (?, ?) RETURNING id",
            body["requester"].get("name", ""),
            now,
        )
        await db.run(
            "INSERT INTO customer_identity (customer_id, kind, address, display_name, created_at)"
            " VALUES (?, 'email', ?, '', ?)",
            customer,
            email,
            now,
        )
    number = await db.value(
        "UPDATE counter SET value = value + 1 WHERE name = 'ticket' RETURNING value"
    )
    ticket = await db.value(
        "INSERT INTO ticket (number, token, subject, status, priority, requester_id, channel,"
        " tags, created_at, updated_at) VALUES (?, ?, ?, 'new', 'normal', ?, 'phone', '[]', ?, ?)"
        " RETURNING id",
        number,
        secrets.token_hex(6),
        body["subject"],
        customer,
        now,
        now,
    )
    await db.run(
        "INSERT INTO ticket_participant (ticket_id, customer_id, role) VALUES (?, ?, 'requester')",
        ticket,
        customer,
    )
    await db.run(
        "INSERT INTO message (ticket_id, direction, author_kind, author_customer_id, channel,"
        ' external_id, subject, text, full_text, "references", meta, created_at)'
        " VALUES (?, 'inbound', 'customer', ?, 'phone', ?, ?, ?, ?, '[]', '{}', ?)",
        ticket,
        customer,
        f"raw-{ticket}",
        body["subject"],
        body["text"],
        body["text"],
        now,
    )
    for kind in ("ticket_created", "logged_by_agent"):
        await db.run(
            "INSERT INTO audit_event (ticket_id, at, actor_kind, kind, data)"
            " VALUES (?, ?, 'agent', ?, '{}')",
            ticket,
            now,
            kind,
        )
    return int(ticket)


async def reply(db: Db, ticket: int, body: dict[str, Any], pg: bool) -> int:
    now = _now(pg)
    message = await db.value(
        "INSERT INTO message (ticket_id, direction, author_kind, channel, subject, text,"
        ' full_text, "references", meta, delivery_state, created_at)'
        " VALUES (?, 'outbound', 'agent', 'phone', '', ?, ?, '[]', '{}', 'pending', ?)"
        " RETURNING id",
        ticket,
        body["text"],
        body["text"],
        now,
    )
    await db.run(
        "INSERT INTO outbox (kind, ticket_id, message_id, channel, status, attempts,"
        " next_attempt_at, payload, created_at) VALUES ('reply', ?, ?, 'phone', 'pending', 0,"
        " ?, '{}', ?)",
        ticket,
        message,
        now,
        now,
    )
    await db.run(
        "INSERT INTO audit_event (ticket_id, at, actor_kind, kind, data)"
        " VALUES (?, ?, 'agent', 'reply_added', '{}')",
        ticket,
        now,
    )
    await db.run("UPDATE ticket SET updated_at = ?, status = 'open' WHERE id = ?", now, ticket)
    return int(message)


async def patch(db: Db, ticket: int, body: dict[str, Any], pg: bool) -> None:
    now = _now(pg)
    old = await db.value("SELECT priority FROM ticket WHERE id = ?", ticket)
    await db.run(
        "UPDATE ticket SET priority = ?, updated_at = ? WHERE id = ?", body["priority"], now, ticket
    )
    await db.run(
        "INSERT INTO audit_event (ticket_id, at, actor_kind, kind, data)"
        " VALUES (?, ?, 'agent', 'priority_changed', ?)",
        ticket,
        now,
        json.dumps({"old": old, "new": body["priority"]}),
    )


def app_for(url: str) -> Starlette:
    pg = url.startswith("postgresql")
    database: Any = PostgresDb(url) if pg else SqliteDb(url.split(":///", 1)[1])

    async def post_ticket(request: Request) -> JSONResponse:
        body = await request.json()
        async with database.transaction() as db:
            ticket = await create(db, body, pg)
        return JSONResponse({"id": ticket}, status_code=201)

    async def post_reply(request: Request) -> JSONResponse:
        body = await request.json()
        async with database.transaction() as db:
            message = await reply(db, int(request.path_params["ticket_id"]), body, pg)
        return JSONResponse({"message_id": message}, status_code=201)

    async def patch_ticket(request: Request) -> JSONResponse:
        body = await request.json()
        ticket = int(request.path_params["ticket_id"])
        async with database.transaction() as db:
            await patch(db, ticket, body, pg)
        return JSONResponse({"id": ticket})

    return Starlette(
        routes=[
            Route("/api/v1/tickets", post_ticket, methods=["POST"]),
            Route("/api/v1/tickets/{ticket_id:int}/replies", post_reply, methods=["POST"]),
            Route("/api/v1/tickets/{ticket_id:int}", patch_ticket, methods=["PATCH"]),
        ]
    )


if __name__ == "__main__":
    uvicorn.run(app_for(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
