"""Searching the whole store for traces of a person: the SQLite file, its WAL and shared
memory files and every blob on disk; on PostgreSQL every row of every table as text."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from helpdesk.runtime import Runtime


def variants(term: str) -> list[bytes]:
    """The ways a string may be stored: UTF-8, JSON-escaped (JSON columns), hex (bytea)."""
    forms = {term.encode(), json.dumps(term)[1:-1].encode(), term.encode().hex().encode()}
    return [f.lower() for f in forms]


def _files(rt: Runtime) -> list[Path]:
    files = [p for p in rt.settings.blob_dir.rglob("*") if p.is_file()]
    if rt.db.is_sqlite:
        db = Path(rt.db.url.split(":///", 1)[1])
        files += [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]
    return files


async def _pg_rows(rt: Runtime) -> bytes:
    dsn = rt.db.url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        chunks = []
        for row in tables:
            name = row["tablename"]
            for record in await conn.fetch(f'SELECT t::text AS v FROM "{name}" t'):
                chunks.append(f"{name}: {record['v']}")
    finally:
        await conn.close()
    return "\n".join(chunks).encode()


async def found(rt: Runtime, terms: tuple[str, ...]) -> dict[str, list[str]]:
    """term -> where it was found (file names, or "postgresql")."""
    haystacks: list[tuple[str, bytes]] = [(p.name, p.read_bytes().lower()) for p in _files(rt)]
    if not rt.db.is_sqlite:
        haystacks.append(("postgresql", (await _pg_rows(rt)).lower()))
    result: dict[str, list[str]] = {}
    for term in terms:
        places = [name for name, data in haystacks if any(v in data for v in variants(term))]
        if places:
            result[term] = places
    return result
