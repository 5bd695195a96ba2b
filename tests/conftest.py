"""Fixtures shared by the whole suite. Real-server fixtures live in tests/support/."""

from tests.support.fixtures import *  # noqa: F403
