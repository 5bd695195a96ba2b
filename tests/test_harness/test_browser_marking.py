"""A test that asks for ``page`` without the session-loop mark gets a clear failure."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_page_without_session_loop_mark_fails_clearly(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.support.fixtures import *  # noqa: F403\n")
    pytester.makepyfile("async def test_unmarked(page):\n    pass\n")
    result = pytester.runpytest_inprocess(
        "-p",
        "asyncio",
        "-o",
        "asyncio_mode=auto",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*must run in the session loop*"])
