"""Replies reach the customer exactly once: through crashes, retries and both job runners."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from arq.worker import Worker
from sqlalchemy import select

from helpdesk import services
from helpdesk.errors import DeliveryError
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, outbox
from helpdesk.settings import Settings
from helpdesk.tables import message_t, outbox_t
from helpdesk.worker import assemble, start, worker_settings
from tests.core.factory import email_in
from tests.core.senders import RecordingSender
from tests.fixtures_db import scheduler_of


async def _open_and_reply(rt: Runtime, text: str = "We are on it") -> services.Posted:
    async with rt.stores() as store:
        opened = await services.ingest(store, email_in())
        assert opened.ticket_id is not None
        return await services.reply(store, opened.ticket_id, Actor.system(), text)


async def _delivery(rt: Runtime, message_id: int) -> tuple[str, str | None]:
    async with rt.stores() as store:
        row = (
            await store.execute(
                select(message_t.c.delivery_state, message_t.c.delivery_error).where(
                    message_t.c.id == message_id
                )
            )
        ).one()
    return row.delivery_state, row.delivery_error


async def test_reply_is_delivered_after_commit_with_thread_context(runtime: Runtime) -> None:
    sender = RecordingSender()
    runtime.use_sender("email", sender)
    posted = await _open_and_reply(runtime)
    await scheduler_of(runtime).drain()
    assert [m.text for m in sender.sent] == ["We are on it"]
    sent = sender.sent[0]
    assert sent.to[0].address == "ayse@example.com"
    assert sent.ticket_number == 1001
    assert len(sent.references) == 1  # the customer's Message-ID, so mail clients thread it
    assert await _delivery(runtime, posted.message_id) == ("sent", None)


async def test_rolled_back_reply_is_never_sent(runtime: Runtime) -> None:
    sender = RecordingSender()
    runtime.use_sender("email", sender)
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in())
    try:
        async with runtime.stores() as store:
            await services.reply(store, opened.ticket_id or 0, Actor.system(), "oops")
            raise RuntimeError("the request failed after the reply was written")
    except RuntimeError:
        pass
    await scheduler_of(runtime).drain()
    assert sender.sent == []


async def test_crash_between_commit_and_delivery_loses_nothing_and_sends_once(
    settings: Settings, clock: FixedClock
) -> None:
    dying = assemble(settings, clock=clock)
    dying.use_sender("email", RecordingSender())
    await start(dying, periodic=False)
    await scheduler_of(dying).stop()  # the process dies before its delivery task runs
    posted = await _open_and_reply(dying)
    await dying.close()

    sender = RecordingSender()
    restarted = assemble(settings, clock=clock)
    restarted.use_sender("email", sender)
    await start(restarted, periodic=False)
    try:
        assert await restarted.run_job("reconcile_outbox") == 1
        await restarted.run_job("reconcile_outbox")  # a second pass before the first ran
        await scheduler_of(restarted).drain()
        await restarted.run_job("reconcile_outbox")
        await scheduler_of(restarted).drain()
        assert [m.message_id for m in sender.sent] == [posted.message_id]
        assert await _delivery(restarted, posted.message_id) == ("sent", None)
    finally:
        await restarted.close()


async def test_worker_dying_mid_delivery_is_retried_once_its_lease_ends(
    runtime: Runtime, clock: FixedClock
) -> None:
    sender = RecordingSender()
    runtime.use_sender("email", sender)
    await scheduler_of(runtime).stop()
    posted = await _open_and_reply(runtime)
    async with runtime.stores() as store:  # a worker claims it, then dies before sending
        assert await outbox.claim(store, posted.outbox_id or 0) is not None
    await start(runtime, periodic=False)
    assert await runtime.run_job("reconcile_outbox") == 0  # the lease still holds
    clock.advance(seconds=outbox.LEASE.total_seconds() + 1)
    assert await runtime.run_job("reconcile_outbox") == 1
    await scheduler_of(runtime).drain()
    assert len(sender.sent) == 1


async def test_concurrent_jobs_for_one_entry_send_it_once(runtime: Runtime) -> None:
    sender = RecordingSender()
    runtime.use_sender("email", sender)
    await scheduler_of(runtime).stop()
    posted = await _open_and_reply(runtime)
    results = await asyncio.gather(
        *(runtime.run_job("deliver_outbox", posted.outbox_id) for _ in range(5))
    )
    assert results.count("sent") == 1
    assert len(sender.sent) == 1


async def test_transient_failure_retries_with_backoff_then_succeeds(
    runtime: Runtime, clock: FixedClock
) -> None:
    sender = RecordingSender(failures=[DeliveryError("451 try later", permanent=False)])
    runtime.use_sender("email", sender)
    await scheduler_of(runtime).stop()
    posted = await _open_and_reply(runtime)
    result = await runtime.run_job("deliver_outbox", posted.outbox_id)
    assert result.startswith("retry at")
    state, error = await _delivery(runtime, posted.message_id)
    assert state == "queued"
    assert error is not None and "451" in error
    assert await runtime.run_job("deliver_outbox", posted.outbox_id) == "not due or already taken"
    clock.advance(seconds=outbox.backoff(1).total_seconds())
    assert await runtime.run_job("deliver_outbox", posted.outbox_id) == "sent"
    assert await _delivery(runtime, posted.message_id) == ("sent", None)


async def test_permanent_failure_is_shown_on_the_message_and_not_retried(
    runtime: Runtime, clock: FixedClock
) -> None:
    sender = RecordingSender(failures=[DeliveryError("550 no such user", permanent=True)])
    runtime.use_sender("email", sender)
    await scheduler_of(runtime).stop()
    posted = await _open_and_reply(runtime)
    assert (await runtime.run_job("deliver_outbox", posted.outbox_id)).startswith("failed")
    clock.advance(hours=5)
    assert await runtime.run_job("reconcile_outbox") == 0
    state, error = await _delivery(runtime, posted.message_id)
    assert state == "failed"
    assert error == "550 no such user"


async def test_rate_limit_retry_after_is_honoured(runtime: Runtime, clock: FixedClock) -> None:
    sender = RecordingSender(failures=[DeliveryError("429", permanent=False, retry_after=7)])
    runtime.use_sender("email", sender)
    await scheduler_of(runtime).stop()
    posted = await _open_and_reply(runtime)
    await runtime.run_job("deliver_outbox", posted.outbox_id)
    async with runtime.stores() as store:
        due_at = (
            await store.execute(
                select(outbox_t.c.next_attempt_at).where(outbox_t.c.id == posted.outbox_id)
            )
        ).scalar_one()
    assert due_at == clock.now() + timedelta(seconds=7)


async def test_attempts_are_capped(runtime: Runtime, clock: FixedClock) -> None:
    failures = [DeliveryError("timeout", permanent=False) for _ in range(20)]
    runtime.use_sender("email", RecordingSender(failures=failures))
    await scheduler_of(runtime).stop()
    posted = await _open_and_reply(runtime)
    for _ in range(runtime.settings.outbox_max_attempts):
        await runtime.run_job("deliver_outbox", posted.outbox_id)
        clock.advance(hours=3)
    assert (await _delivery(runtime, posted.message_id))[0] == "failed"


async def _run_arq_worker(settings: Settings, clock: FixedClock, sender: RecordingSender) -> Worker:
    kwargs = worker_settings(settings, clock=clock)
    startup = kwargs["on_startup"]

    async def on_startup(ctx: dict[str, object]) -> None:
        await startup(ctx)
        ctx["runtime"].use_sender("email", sender)  # type: ignore[attr-defined]

    kwargs.update(on_startup=on_startup, burst=True, handle_signals=False, poll_delay=0.01)
    worker = Worker(**kwargs)
    await worker.main()
    await worker.close()
    return worker


async def _reply_from_web_process(settings: Settings, clock: FixedClock) -> services.Posted:
    """A web process with Redis configured commits a reply (its job goes to Redis) and exits."""
    web = assemble(settings, clock=clock)
    await start(web)
    try:
        return await _open_and_reply(web)
    finally:
        await web.close()


async def test_arq_worker_delivers_a_reply_queued_by_the_web_process(
    settings: Settings, clock: FixedClock, redis_url: str
) -> None:
    settings = settings.with_changes(redis_url=redis_url)
    posted = await _reply_from_web_process(settings, clock)
    sender = RecordingSender()
    worker = await _run_arq_worker(settings, clock, sender)
    assert worker.jobs_complete >= 1
    assert [m.message_id for m in sender.sent] == [posted.message_id]


async def test_arq_reconciliation_rearms_a_job_lost_with_redis(
    settings: Settings, clock: FixedClock, redis_url: str
) -> None:
    from redis.asyncio import Redis

    settings = settings.with_changes(redis_url=redis_url)
    posted = await _reply_from_web_process(settings, clock)
    client = Redis.from_url(redis_url)
    await client.flushdb()  # Redis lost every queued job
    await client.aclose()
    sender = RecordingSender()
    await _run_arq_worker(settings, clock, sender)  # its start-up reconciliation re-arms it
    second = RecordingSender()
    await _run_arq_worker(settings, clock, second)
    assert [m.message_id for m in sender.sent + second.sent] == [posted.message_id]


async def test_notification_without_a_ticket_message_is_delivered_to_its_recipients(
    runtime: Runtime,
) -> None:
    from helpdesk.inbound import Identity

    sender = RecordingSender()
    runtime.use_sender("email", sender)
    async with runtime.stores() as store:
        opened = await services.ingest(store, email_in())
        await outbox.queue_notification(
            store,
            opened.ticket_id or 0,
            channel="email",
            to=[Identity("email", "sue@help.test", "Sue")],
            subject="Ticket #1001 breached its first-reply target",
            text="Please look at it.",
        )
    await scheduler_of(runtime).drain()
    assert [(m.kind, m.to[0].address, m.subject) for m in sender.sent] == [
        ("notification", "sue@help.test", "Ticket #1001 breached its first-reply target")
    ]
