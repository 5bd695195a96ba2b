"""Routing fixtures: one classifier trained per session on our synthetic tickets, copied
into each test's data directory (training it per test would dominate the run time)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from helpdesk.worker import assemble, start
from routing import model_store
from routing.training import train_and_install
from tests.fixtures_db import PG_HINT, PG_URL, SECRET, _reset_pg
from tests.routing.desk import Desk, make_desk
from tests.routing.samples import labelled
from tests.support.services import service_missing


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("routing-model")
    texts, labels = labelled()
    train_and_install(
        data_dir, texts, labels, source="csv:samples", now=datetime(2026, 11, 1, tzinfo=UTC)
    )
    return model_store.model_dir(data_dir)


def install_model(trained: Path, data_dir: Path) -> None:
    shutil.copytree(trained, model_store.model_dir(data_dir), dirs_exist_ok=True)


@pytest_asyncio.fixture
async def two_runtimes(
    pg_database: str | BaseException, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[tuple[Runtime, Runtime]]:
    if isinstance(pg_database, BaseException):
        service_missing(PG_HINT.format(url=PG_URL) + f" ({pg_database})")
    assert isinstance(pg_database, str)
    await _reset_pg(pg_database)
    settings = Settings(database_url=pg_database, data_dir=tmp_path / "data", secret_key=SECRET)
    runtimes = (assemble(settings, clock=clock), assemble(settings, clock=clock))
    for rt in runtimes:
        await start(rt, periodic=False)
    yield runtimes
    for rt in runtimes:
        await rt.close()


@pytest_asyncio.fixture
async def desk(runtime: Runtime, clock: FixedClock, trained_model: Path) -> Desk:
    install_model(trained_model, runtime.settings.data_dir)
    return await make_desk(runtime, clock)
