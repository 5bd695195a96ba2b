"""Fixtures shared by the whole suite. Real-server fixtures live in tests/support/."""

import os

import pytest

from tests.fixtures_db import *  # noqa: F403
from tests.support.fixtures import *  # noqa: F403


def pytest_configure(config: pytest.Config) -> None:
    # The suite runs as scripts/test (and a deployment that opted in) does: python-telegram-bot
    # hands out time periods as timedelta, without the DeprecationWarning this suite would fail on.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
