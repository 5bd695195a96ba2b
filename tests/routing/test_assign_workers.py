"""Two real `helpdesk worker` processes on one Redis queue and one PostgreSQL database assign
a burst of tickets at once: every ticket is asked for twice, spread over both processes, and
no ticket is assigned twice nor any agent given more than their capacity at any moment."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from helpdesk import services
from helpdesk.ports import FixedClock, SystemClock
from helpdesk.scheduling import ArqScheduler
from helpdesk.settings import Settings
from helpdesk.tables import audit_t, ticket_t
from helpdesk.worker import assemble, start
from routing.handlers import ASSIGN_JOB
from tests.core.factory import email_in
from tests.fixtures_db import PG_HINT, PG_URL, SECRET, _reset_pg
from tests.routing.desk import make_desk
from tests.support.services import service_missing

pytestmark = pytest.mark.postgres
CAPACITY = 5
TICKETS = 30
COPIES = 2  # each ticket's job is queued twice, under two ids


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "helpdesk.cli", "worker"],
            env=env,
            stdout=out,  # a file, not a pipe: nobody reads it while the test runs
            stderr=subprocess.STDOUT,
        )


async def _finished(redis: Redis, keys: list[str]) -> int:
    found = await asyncio.gather(*(redis.exists(f"arq:result:{k}") for k in keys))
    return sum(int(f) for f in found)


async def test_two_worker_processes_assign_a_burst_within_capacity(
    pg_database: str | BaseException, redis_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    if isinstance(pg_database, BaseException):
        service_missing(PG_HINT.format(url=PG_URL) + f" ({pg_database})")
    assert isinstance(pg_database, str)
    await _reset_pg(pg_database)
    settings = Settings(database_url=pg_database, data_dir=tmp_path / "data", secret_key=SECRET)
    rt = assemble(settings, clock=clock)
    await start(rt, periodic=False)
    try:
        desk = await make_desk(rt, clock)
        # The burst arrives while the team is not auto-assigned, so nothing is assigned here.
        await desk.configure(teams=[{"team": "Billing", "strategy": "none"}])
        tickets: list[int] = []
        for n in range(TICKETS):
            async with rt.stores() as store:
                result = await services.ingest(
                    store,
                    email_in(sender=f"c{n}@example.com", text=f"refund {n}", category="refunds"),
                )
            assert result.ticket_id is not None
            tickets.append(result.ticket_id)
        await desk.configure(
            teams=[{"team": "Billing", "strategy": "least_loaded", "capacity": CAPACITY}]
        )
        async with rt.stores() as store:
            rows = await store.execute(select(ticket_t.c.assignee_id, ticket_t.c.team_id))
            assert {(r.assignee_id, r.team_id) for r in rows} == {(None, desk.teams["Billing"])}
    finally:
        await rt.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(
        HELPDESK_DATABASE_URL=pg_database,
        HELPDESK_REDIS_URL=redis_url,
        HELPDESK_SECRET_KEY=SECRET,
        HELPDESK_DATA_DIR=str(tmp_path / "data"),
        HELPDESK_LOG_LEVEL="INFO",  # arq logs each job it runs: both must have run some
    )
    arq = ArqScheduler(redis_url, SystemClock())
    await arq.connect()
    redis = Redis.from_url(redis_url)
    keys = [f"assign-{t}-{copy}" for copy in range(COPIES) for t in tickets]
    workers = [_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        for key in keys:
            await arq.enqueue(ASSIGN_JOB, int(key.split("-")[1]), key=key)
        deadline = asyncio.get_running_loop().time() + 120
        while await _finished(redis, keys) < len(keys):
            dead = [w for w in workers if w.poll() is not None]
            if dead or asyncio.get_running_loop().time() > deadline:
                logs = "\n".join(
                    (tmp_path / f"worker{i}.log").read_text()[-3000:] for i in range(2)
                )
                pytest.fail(f"{await _finished(redis, keys)} of {len(keys)} jobs ran:\n{logs}")
            await asyncio.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        await arq.close()
        await redis.aclose()

    for i in range(2):
        ran = (tmp_path / f"worker{i}.log").read_text().count(f":{ASSIGN_JOB}(")
        print(f"worker {i} ran {ran} assignment jobs")
        assert ran > 0, (tmp_path / f"worker{i}.log").read_text()[-3000:]

    check = assemble(settings, clock=clock)
    await start(check, periodic=False)
    try:
        async with check.stores() as store:
            changes = list(
                await store.execute(
                    select(audit_t.c.ticket_id, audit_t.c.data)
                    .where(audit_t.c.kind == "assignee_changed")
                    .order_by(audit_t.c.id)
                )
            )
            final = Counter(
                int(a)
                for a in (
                    await store.execute(
                        select(ticket_t.c.assignee_id).where(ticket_t.c.assignee_id.is_not(None))
                    )
                ).scalars()
            )
    finally:
        await check.close()
    per_ticket = Counter(int(c.ticket_id) for c in changes)
    assert all(count == 1 for count in per_ticket.values()), per_ticket  # never assigned twice
    load: Counter[int] = Counter()
    for change in changes:  # replayed in commit order: no moment above capacity
        assert change.data["old"] is None
        load[int(change.data["new"])] += 1
        assert load[int(change.data["new"])] <= CAPACITY, load
    agents = {desk.users["ayse"], desk.users["mehmet"]}
    assert final == dict.fromkeys(agents, CAPACITY)
    assert len(per_ticket) == 2 * CAPACITY
