"""The write path under load: create, reply and PATCH through the JSON API of a live
`helpdesk serve`, against a minimal raw app writing the same rows (bench/_raw_app.py), both on
SQLite (WAL, synchronous=FULL), in the same run.

    .venv/bin/python bench/api_write.py [--clients 16] [--seconds 10] [--runs 5]
    .venv/bin/python bench/api_write.py --pg postgresql://postgres@127.0.0.1:5432/test

With `--pg` both run on PostgreSQL instead, each in a database of its own created beside the
given one and dropped afterwards.

Each run measures the baseline and the product back to back (alternating which goes first),
so a busy machine slows both alike; the table gives the median of the runs: requests per
second, p50 and p99 latency, and the product's throughput as a ratio of the baseline's.

A request to the product also queues background work (routing's follow-ups, the
acknowledgement, its delivery, SLA evaluations) that runs in the same process. After each of
its runs the bench waits until /healthz reports no job waiting, so the next run does not start
behind this one's queue, and reports the "sustained" rate: requests a second counting the time
that took, as a ratio of the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpdesk.migrate import upgrade  # noqa: E402
from tests.support.services import free_port  # noqa: E402

PRIORITIES = ("low", "normal", "high", "urgent")
DRAIN_LIMIT = 300.0


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str]
    tickets: list[int]


@dataclass
class Result:
    rate: float
    p50: float
    p99: float
    errors: int
    # Seconds the server's jobs (routing's follow-ups, acknowledgements, deliveries, SLA
    # evaluations) took to catch up after the load stopped, and the requests a second
    # counting that time: the rate the server sustains. The raw app has no background work.
    drain: float = 0.0
    sustained: float = 0.0


def _wait_healthy(url: str, path: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server at {url} exited with {proc.returncode}")
        try:
            if httpx.get(url + path, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


@contextmanager
def pg_database(admin_url: str, label: str) -> Any:
    """A fresh database beside `admin_url`'s, as a SQLAlchemy URL; dropped afterwards."""
    import asyncpg

    name = f"helpdesk_bench_{label}_{os.getpid()}"
    admin = admin_url.replace("postgresql+asyncpg://", "postgresql://")

    async def sql(statement: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(sql(f'CREATE DATABASE "{name}"'))
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def product(tmp: Path, database_url: str | None) -> Any:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")},
        "HELPDESK_DATA_DIR": str(tmp / "product"),
        "HELPDESK_LOG_LEVEL": "WARNING",
    }
    if database_url:
        env["HELPDESK_DATABASE_URL"] = database_url
    cli = [sys.executable, "-m", "helpdesk.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*cli, "user", "add", "--email", "bench@help.test", "--role", "admin"],
        env=env,
        check=True,
        capture_output=True,
    )
    token = subprocess.run(
        [*cli, "token", "create", "--email", "bench@help.test"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    port = free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, "/healthz", proc)
        yield Target("helpdesk", url, {"Authorization": f"Bearer {token}"}, [])
    finally:
        proc.terminate()
        proc.wait(30)


@contextmanager
def raw(tmp: Path, database_url: str | None) -> Any:
    url = database_url or f"sqlite+aiosqlite:///{tmp / 'raw.db'}"
    upgrade(url)  # the same schema and indexes as the product's
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "_raw_app.py"), url, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, "/api/v1/tickets", proc)
        yield Target("raw", url, {}, [])
    finally:
        proc.terminate()
        proc.wait(30)


_ids = itertools.count()


def _create_body() -> dict[str, Any]:
    n = next(_ids)
    return {
        "requester": {"email": f"customer{n % 500}@example.com", "name": f"Customer {n}"},
        "subject": f"Order {n} has not arrived",
        "text": "Hello, my order has not arrived yet. Can you check?",
    }


async def _create(client: httpx.AsyncClient, target: Target) -> httpx.Response:
    return await client.post(
        f"{target.url}/api/v1/tickets", json=_create_body(), headers=target.headers
    )


async def _reply(client: httpx.AsyncClient, target: Target) -> httpx.Response:
    ticket = target.tickets[next(_ids) % len(target.tickets)]
    return await client.post(
        f"{target.url}/api/v1/tickets/{ticket}/replies",
        json={"text": "Thanks, we are looking into it."},
        headers=target.headers,
    )


async def _patch(client: httpx.AsyncClient, target: Target) -> httpx.Response:
    n = next(_ids)
    ticket = target.tickets[n % len(target.tickets)]
    return await client.patch(
        f"{target.url}/api/v1/tickets/{ticket}",
        json={"priority": PRIORITIES[n % 4]},
        headers=target.headers,
    )


Operation = Callable[[httpx.AsyncClient, Target], Awaitable[httpx.Response]]
OPERATIONS: dict[str, Operation] = {"create": _create, "reply": _reply, "patch": _patch}


async def seed(target: Target, count: int = 200) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for _ in range(count):
            response = await _create(client, target)
            response.raise_for_status()
            target.tickets.append(int(response.json()["id"]))


async def load(target: Target, operation: Operation, clients: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < stop:
                began = time.perf_counter()
                response = await operation(client, target)
                latencies.append(time.perf_counter() - began)
                if response.status_code >= 300:
                    errors += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - started
        drain = await _drain(client, target)
    latencies.sort()
    return Result(
        rate=len(latencies) / elapsed,
        p50=latencies[len(latencies) // 2] * 1000,
        p99=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=errors,
        drain=drain,
        sustained=len(latencies) / (elapsed + drain),
    )


async def _drain(client: httpx.AsyncClient, target: Target) -> float:
    """Seconds until the server's job backlog (/healthz) is empty; 0 for the raw app. The
    next measurement then starts from a quiet server, not behind this one's queue."""
    if target.name != "helpdesk":
        return 0.0
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_LIMIT:
        report = (await client.get(f"{target.url}/healthz")).json()
        if report["jobs"]["backlog"] == 0:
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the job backlog did not empty within {DRAIN_LIMIT} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=sorted(OPERATIONS), action="append")
    parser.add_argument("--pg", metavar="URL", help="run on PostgreSQL beside this database")
    args = parser.parse_args()
    operations = args.only or list(OPERATIONS)
    storage = "PostgreSQL" if args.pg else "SQLite (WAL, synchronous=FULL)"
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        tmp = Path(folder)
        raw_url = stack.enter_context(pg_database(args.pg, "raw")) if args.pg else None
        our_url = stack.enter_context(pg_database(args.pg, "product")) if args.pg else None
        servers: list[AbstractContextManager[Target]] = [raw(tmp, raw_url), product(tmp, our_url)]
        with servers[0] as baseline, servers[1] as helpdesk:
            for target in (baseline, helpdesk):
                asyncio.run(seed(target))
            print(
                f"write path on {storage}, {args.clients} clients, "
                f"{args.seconds:g} s per measurement, median of {args.runs} interleaved runs"
            )
            print(
                f"{'operation':<8} {'raw req/s':>10} {'helpdesk req/s':>15} {'ratio':>6} "
                f"{'sustained':>10} {'ratio':>6} {'raw p50/p99 ms':>16} "
                f"{'helpdesk p50/p99 ms':>20} {'errors':>7}"
            )
            for name in operations:
                runs: dict[str, list[Result]] = {"raw": [], "helpdesk": []}
                for run in range(args.runs):
                    order = (baseline, helpdesk) if run % 2 == 0 else (helpdesk, baseline)
                    for target in order:
                        result = asyncio.run(
                            load(target, OPERATIONS[name], args.clients, args.seconds)
                        )
                        runs[target.name].append(result)
                _row(name, runs["raw"], runs["helpdesk"])


def _median(results: list[Result], attr: str) -> float:
    return float(statistics.median(float(getattr(r, attr)) for r in results))


def _row(name: str, base: list[Result], ours: list[Result]) -> None:
    ratio = _median(ours, "rate") / _median(base, "rate")
    sustained = _median(ours, "sustained") / _median(base, "sustained")
    errors = sum(r.errors for r in ours) + sum(r.errors for r in base)
    base_lat = f"{_median(base, 'p50'):.0f}/{_median(base, 'p99'):.0f}"
    our_lat = f"{_median(ours, 'p50'):.0f}/{_median(ours, 'p99'):.0f}"
    print(
        f"{name:<8} {_median(base, 'rate'):>10.0f} {_median(ours, 'rate'):>15.0f} "
        f"{ratio:>6.2f} {_median(ours, 'sustained'):>10.0f} {sustained:>6.2f} "
        f"{base_lat:>16} {our_lat:>20} {errors:>7}"
    )


if __name__ == "__main__":
    main()
