"""What /healthz reports: can we reach the database, is something running our jobs, and how
many wait."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from helpdesk.runtime import Runtime
from helpdesk.scheduling import QUEUE_NAME, ArqScheduler, InProcessScheduler


async def check(rt: Runtime) -> tuple[bool, dict[str, Any]]:
    report: dict[str, Any] = {}
    healthy = True
    try:
        async with rt.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        report["database"] = {"ok": True, "kind": "sqlite" if rt.db.is_sqlite else "postgresql"}
    except Exception as exc:
        healthy = False
        report["database"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    jobs_ok, report["jobs"] = await _jobs(rt)
    for contributor in rt.health_checks:
        # A component's trouble (one mailbox's wrong password) is reported, not fatal: the
        # web process is still healthy and a load balancer must not take it out of service.
        try:
            name, section = await contributor(rt)
        except Exception as exc:
            name = getattr(contributor, "__name__", "component")
            section = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        report[name] = section
    return healthy and jobs_ok, report


async def _jobs(rt: Runtime) -> tuple[bool, dict[str, Any]]:
    scheduler = rt.scheduler
    if isinstance(scheduler, InProcessScheduler):
        return scheduler.accepting, {
            "ok": scheduler.accepting,
            "mode": "in-process",
            "periodic_running": scheduler.running,
            "failed_jobs": scheduler.failures,
            "backlog": scheduler.backlog,
        }
    if isinstance(scheduler, ArqScheduler):
        try:
            pool = scheduler.pool
            await pool.ping()
            beat = await pool.get(QUEUE_NAME + ":health-check")
            # arq scores a queued job with the wall-clock millisecond it is due at.
            backlog = await pool.zcount(QUEUE_NAME, 0, int(time.time() * 1000))
        except Exception as exc:
            return False, {"ok": False, "mode": "arq", "error": f"{type(exc).__name__}: {exc}"}
        # The web process only enqueues; a missing worker heartbeat is reported, not fatal,
        # because jobs wait safely in Redis until a worker starts.
        return True, {
            "ok": True,
            "mode": "arq",
            "redis": "reachable",
            "worker": beat.decode(errors="replace")[:200] if beat else "no worker heartbeat yet",
            "checked_at": int(rt.clock.now().timestamp()),
            "backlog": backlog,
        }
    return True, {"ok": True, "mode": type(scheduler).__name__}
