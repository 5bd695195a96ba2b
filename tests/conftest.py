"""Fixtures shared by the whole suite. Real-server fixtures live in tests/support/."""

from tests.fixtures_db import *  # noqa: F403
from tests.support.fixtures import *  # noqa: F403
