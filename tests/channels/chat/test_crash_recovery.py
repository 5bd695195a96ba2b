"""An update whose processing job died with its worker is processed after the restart: the
reconciliation pass re-arms it under a key arq has not seen (arq keeps a dead worker's job key
as "in progress" for minutes and drops a new job under the same key)."""

from __future__ import annotations

from arq.connections import create_pool
from sqlalchemy import select

from channels.chat.jobs import PROCESS_JOB, STALE_AFTER
from channels.chat.tables import update_t
from helpdesk.ports import FixedClock
from helpdesk.scheduling import QUEUE_NAME, ArqScheduler, redis_settings
from tests.channels.chat.conftest import Chat
from tests.support.telegram_api import text_message_update


async def test_reconcile_rearms_an_update_whose_arq_job_died_in_progress(
    chat: Chat, clock: FixedClock, redis_url: str
) -> None:
    await chat.rt.scheduler.stop()  # type: ignore[attr-defined]  # no in-process processing
    assert (await chat.post(text_message_update(81, "lost with its worker"))).status_code == 200
    async with chat.rt.stores() as store:
        [row_id] = (await store.execute(select(update_t.c.id))).scalars().all()

    pool = await create_pool(redis_settings(redis_url), default_queue_name=QUEUE_NAME)
    arq = ArqScheduler(redis_url, clock)
    await arq.connect()
    try:
        # The web process queued the job; a worker took it and was killed mid-way.
        await arq.enqueue(PROCESS_JOB, row_id, key=f"telegram-update:{row_id}")
        await pool.set(f"arq:in-progress:telegram-update:{row_id}", b"1", px=300_000)
        chat.rt.scheduler = arq
        clock.advance(seconds=STALE_AFTER.total_seconds() + 1)
        assert await chat.rt.run_job("telegram_reconcile") == 1
        queued = await pool.queued_jobs(queue_name=QUEUE_NAME)
        assert sorted(j.args for j in queued) == [(row_id,), (row_id,)]  # a second, live job
    finally:
        await arq.close()
        await pool.aclose()
