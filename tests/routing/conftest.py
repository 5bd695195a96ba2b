"""Routing fixtures: one classifier trained per session on our synthetic tickets, copied
into each test's data directory (training it per test would dominate the run time)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from routing import model_store
from routing.training import train_and_install
from tests.routing.desk import Desk, make_desk
from tests.routing.samples import labelled


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
async def desk(runtime: Runtime, clock: FixedClock, trained_model: Path) -> Desk:
    install_model(trained_model, runtime.settings.data_dir)
    return await make_desk(runtime, clock)
