"""Periodic passes of any length run under arq: each becomes a cron job that runs at least as
often as its period asks, whatever the period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from arq import cron

from helpdesk import jobs
from helpdesk.scheduling import cron_fields
from helpdesk.settings import Settings
from helpdesk.worker import worker_settings


async def _noop(ctx: dict[str, object]) -> None:
    return None


def _runs(every: timedelta, span: timedelta) -> list[datetime]:
    job = cron(_noop, name="pass", **cron_fields(every))
    at = datetime(2026, 11, 23, 9, 0, 7, tzinfo=UTC)
    runs: list[datetime] = []
    while at < datetime(2026, 11, 23, 9, 0, 7, tzinfo=UTC) + span:
        job.calculate_next(at)
        assert job.next_run is not None
        at = job.next_run
        runs.append(at)
    return runs


@pytest.mark.parametrize(
    "seconds", [1, 2, 7, 10, 30, 45, 59, 60, 90, 300, 1000, 3600, 5400, 7200, 86400, 7 * 86400]
)
def test_a_pass_never_waits_longer_than_its_period(seconds: int) -> None:
    every = timedelta(seconds=seconds)
    span = max(every * 4, timedelta(days=2)) if seconds >= 3600 else every * 200
    runs = _runs(every, span)
    gaps = [later - earlier for earlier, later in pairwise(runs)]
    assert max(gaps) <= every
    # Not wastefully often either: a period that divides no minute, hour or day runs somewhat
    # more often (90 s: every minute), a period longer than a day runs daily.
    average = sum(gaps, timedelta()) / len(gaps)
    assert average >= min(every, timedelta(days=1)) / 2


def test_a_pass_shorter_than_a_second_is_refused() -> None:
    with pytest.raises(ValueError, match="one-second"):
        cron_fields(timedelta(milliseconds=500))


def test_every_periodic_pass_has_a_cron_job_in_the_worker(
    settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A five-minute pass: before, only passes shorter than a minute were scheduled.
    monkeypatch.setattr(jobs, "RECONCILE_EVERY", timedelta(minutes=5))
    kwargs = worker_settings(settings.with_changes(redis_url=redis_url))
    names = {job.name for job in kwargs["cron_jobs"]}
    assert "cron:reconcile_outbox" in names
    [outbox] = [job for job in kwargs["cron_jobs"] if job.name == "cron:reconcile_outbox"]
    assert outbox.minute == {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55}
    assert outbox.second == {0}
    assert outbox.run_at_startup
