"""Fixtures shared by the whole suite. Real-server fixtures live in tests/support/."""

import gc
import os
from collections.abc import Iterator

import pytest

from tests.fixtures_db import *  # noqa: F403
from tests.support.fixtures import *  # noqa: F403


def pytest_configure(config: pytest.Config) -> None:
    # The suite runs as scripts/test (and a deployment that opted in) does: python-telegram-bot
    # hands out time periods as timedelta, without the DeprecationWarning this suite would fail on.
    os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture(autouse=True, scope="module")
def _collect_garbage_after_each_module() -> Iterator[None]:
    """A socket or file left open warns only when the garbage collector reaches it, which may
    be during any later test, failing that one. Collecting after each module makes a leak fail
    a test of the module that leaked it (in its last test's teardown); once per module costs a
    few seconds for the whole suite, where once per test cost minutes."""
    yield
    gc.collect()
