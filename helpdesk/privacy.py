"""Personal-data operations end to end, for the API, the CLI and jobs: each runs the service
in one unit of work, then does what may only follow a commit (deleting blobs nobody refers
to any more, checkpointing SQLite's write-ahead log so erased pages leave it).

Erasures, exports and retention runs read and write many rows, so even when a request starts
them they run as background work (`as_background`): they queue behind agents' requests for
SQLite's write slot, and their statements stay off the event loop (helpdesk.sqlite_driver).
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import zipfile
from dataclasses import dataclass

from helpdesk.errors import NotFound
from helpdesk.privacy_queries import export_data
from helpdesk.runtime import Runtime
from helpdesk.services import _redact, retention
from helpdesk.services.access import Access, record_access
from helpdesk.services.privacy import Erased, erase_customer, find_customer_ref
from helpdesk.writegate import as_background

log = logging.getLogger(__name__)

RETENTION_JOB = "retention_run"


async def erase(
    rt: Runtime, ref: str, *, reason: str, actor_user_id: int | None, via: str
) -> Erased:
    """Erase the customer `ref` names (id, email, kind:address) across core and components."""
    with as_background():  # a long pass: see the module's notes
        return await _erase(rt, ref, reason=reason, actor_user_id=actor_user_id, via=via)


async def _erase(
    rt: Runtime, ref: str, *, reason: str, actor_user_id: int | None, via: str
) -> Erased:
    async with rt.stores() as store:
        customer_id = await find_customer_ref(store, ref)
        erased = await erase_customer(
            store,
            customer_id,
            reason=reason,
            actor_user_id=actor_user_id,
            via=via,
            components=rt.personal_data,
        )
    await purge_blobs(rt, erased.blobs)
    await checkpoint(rt)
    return erased


async def purge_blobs(rt: Runtime, candidates: tuple[str, ...] | set[str]) -> int:
    """Delete those of `candidates` that nothing refers to any more (after the commit that
    dropped the references, so a rolled-back erasure never loses a file)."""
    async with rt.stores() as store:
        orphans = await _redact.unreferenced(store, candidates)
    deleted = 0
    for sha in orphans:
        deleted += await rt.blobs.delete(sha)
    return deleted


async def checkpoint(rt: Runtime) -> None:
    """SQLite: copy the write-ahead log into the database file and truncate it to zero bytes,
    so pages that held erased data do not survive in the -wal file."""
    if not rt.db.is_sqlite:
        return
    async with rt.db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        for _ in range(50):
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            row = await cursor.fetchone()
            await cursor.close()
            if row is not None and row[0] == 0:
                return
            await asyncio.sleep(0.1)  # a reader holds the log; it lets go within its request
        log.warning("WAL checkpoint after an erasure stayed busy; it completes on the next one")


async def note_access(rt: Runtime, user_id: int | None, via: str, accesses: list[Access]) -> None:
    """Log views of customer data from a request: batched when the recorder is running,
    else written at once."""
    if rt.access_recorder is not None:
        rt.access_recorder.record(user_id, via, accesses)
        return
    async with rt.stores() as store:
        await record_access(store, user_id, via, accesses)


async def flush_access(rt: Runtime) -> None:
    """Write this process's buffered views, so a read of the log includes them."""
    if rt.access_recorder is not None:
        await rt.access_recorder.flush()


@dataclass(frozen=True, slots=True)
class Archive:
    customer_id: int
    content: bytes


async def export(rt: Runtime, ref: str, *, user_id: int | None, via: str) -> Archive:
    """One zip: customer.json plus every attachment and raw message; the export is logged."""
    with as_background():  # a long pass: see the module's notes
        async with rt.stores() as store:
            customer_id = await find_customer_ref(store, ref)
            data = await export_data(store, customer_id, rt.personal_data)
            await record_access(store, user_id, via, [Access("customer.export", customer_id)])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        missing = []
        for item in data.files:
            try:
                archive.writestr(item.path, await rt.blobs.get(item.sha256))
            except NotFound:
                missing.append(item.path)
        content = {**data.data, "missing_files": missing}
        archive.writestr(
            "customer.json", json.dumps(content, indent=2, ensure_ascii=False, default=str)
        )
    return Archive(customer_id, buffer.getvalue())


@dataclass(frozen=True, slots=True)
class RetentionReport:
    dry_run: bool
    tickets: dict[str, int]  # channel -> tickets (to be) cleared


async def run_retention(
    rt: Runtime, *, dry_run: bool = False, max_batches: int = 50
) -> RetentionReport:
    """Clear closed tickets past their channel's retention, one batch per transaction; with
    `dry_run` only count them."""
    with as_background():  # a long pass: see the module's notes
        return await _run_retention(rt, dry_run=dry_run, max_batches=max_batches)


async def _run_retention(rt: Runtime, *, dry_run: bool, max_batches: int) -> RetentionReport:
    counts: dict[str, int] = {}
    if dry_run:
        async with rt.stores() as store:
            for batch in await retention.due(store, limit=1_000_000):
                counts[batch.channel] = len(batch.ticket_ids)
        return RetentionReport(True, counts)
    for _ in range(max_batches):
        async with rt.stores() as store:
            batches = await retention.due(store)
            blobs: set[str] = set()
            for batch in batches:
                result = await retention.apply(store, batch, rt.personal_data)
                blobs |= result.blobs
                counts[batch.channel] = counts.get(batch.channel, 0) + len(batch.ticket_ids)
        if not batches:
            break
        await purge_blobs(rt, blobs)
    if counts:
        await checkpoint(rt)
    return RetentionReport(False, counts)


async def retention_job(rt: Runtime) -> dict[str, int]:
    """Periodic job: apply the retention rules."""
    report = await run_retention(rt)
    return report.tickets
