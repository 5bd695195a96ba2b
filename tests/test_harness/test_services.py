"""The availability policy: fail in CI, skip elsewhere, with the how-to-fix text."""

from __future__ import annotations

import socket

import pytest

from tests.support.services import free_port, require


@pytest.mark.parametrize("ci", ["true", "1"])
def test_missing_service_fails_in_ci(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="apt-get install foo"):
        require(False, "apt-get install foo")


def test_missing_service_skips_off_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install foo"):
        require(False, "apt-get install foo")


def test_exception_counts_as_missing_and_is_quoted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=r"start it \(OSError: boom\)"):
        require(OSError("boom"), "start it")


def test_available_service_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    require(True, "never shown")
    require(object(), "never shown")


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
