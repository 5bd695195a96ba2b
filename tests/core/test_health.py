"""/healthz takes its time from the injected clock, like everything else."""

from __future__ import annotations

from helpdesk import health
from helpdesk.ports import FixedClock
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start


async def test_health_stamps_the_job_check_with_the_runtime_clock(
    settings: Settings, clock: FixedClock, redis_url: str
) -> None:
    rt = assemble(settings.with_changes(redis_url=redis_url), clock=clock, with_components=False)
    await start(rt)
    try:
        healthy, report = await health.check(rt)
    finally:
        await rt.close()
    assert healthy
    assert report["jobs"]["mode"] == "arq"
    assert report["jobs"]["checked_at"] == int(clock.now().timestamp())
