"""Fixtures that start real loopback servers: Dovecot, SMTP, the Bot API stand-in, Chromium.

tests/conftest.py star-imports this module, so every name in ``__all__`` is a fixture
available to the whole suite. A missing service fails the test in CI (``CI=true``) and skips
it elsewhere, with instructions (see ``tests.support.services.require``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.browser import browser, page, session_loop_required
from tests.support.certs import SelfSignedCert, make_self_signed_cert
from tests.support.dovecot import DOVECOT_HOW_TO_FIX, Dovecot, DovecotError, MailUser
from tests.support.services import require
from tests.support.smtp import SmtpServer
from tests.support.telegram_api import BotApiStandIn

__all__ = [
    "browser",
    "dovecot",
    "dovecot_factory",
    "mailbox",
    "mailbox_factory",
    "page",
    "session_loop_required",
    "smtp_server_factory",
    "smtp_sink",
    "telegram_api",
    "tls_cert",
]

MailboxFactory = Callable[..., MailUser]
SmtpServerFactory = Callable[..., SmtpServer]
DovecotFactory = Callable[..., Dovecot]


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> SelfSignedCert:
    """A self-signed cert for localhost/127.0.0.1; ``.client_context()`` trusts it."""
    try:
        return make_self_signed_cert(tmp_path_factory.mktemp("tls"))
    except (OSError, RuntimeError) as exc:
        require(exc, "openssl is needed to make test certificates: `apt-get install -y openssl`")
        raise


def _start_dovecot(tls: SelfSignedCert | None) -> Dovecot:
    try:
        server = Dovecot(tls=tls)
        server.start()
    except (OSError, DovecotError) as exc:
        require(exc, DOVECOT_HOW_TO_FIX)
        raise
    return server


@pytest.fixture(scope="session")
def dovecot(tls_cert: SelfSignedCert) -> Iterator[Dovecot]:
    """The shared Dovecot (plain IMAP on ``.port``, STARTTLS too, IMAPS on ``.tls_port``).

    Tests must not share users: take ``mailbox``/``mailbox_factory`` instead of ``add_user``
    with fixed names. A test may ``stop()``/``restart()`` it; the mailbox fixtures start it
    again if a test left it stopped. For a server a test can break, use ``dovecot_factory``.
    """
    server = _start_dovecot(tls_cert)
    yield server
    server.close()


@pytest.fixture
def mailbox_factory(dovecot: Dovecot) -> MailboxFactory:
    """``new(local_part="user", domain="example.test") -> MailUser`` with a unique address."""
    dovecot.start()  # a no-op unless an earlier test left the shared server stopped

    def new(local_part: str = "user", domain: str = "example.test") -> MailUser:
        return dovecot.new_user(local_part, domain)

    return new


@pytest.fixture
def mailbox(mailbox_factory: MailboxFactory) -> MailUser:
    """A fresh, empty mailbox user on the shared Dovecot."""
    return mailbox_factory("support")


@pytest.fixture
def dovecot_factory(tls_cert: SelfSignedCert) -> Iterator[DovecotFactory]:
    """``new(tls=True) -> Dovecot``: a private, started server, closed after the test (~1 s)."""
    servers: list[Dovecot] = []

    def new(tls: bool = True) -> Dovecot:
        server = _start_dovecot(tls_cert if tls else None)
        servers.append(server)
        return server

    yield new
    for server in servers:
        server.close()


@pytest.fixture
def smtp_server_factory(tls_cert: SelfSignedCert) -> Iterator[SmtpServerFactory]:
    """``new(**SmtpServer kwargs) -> started SmtpServer``; ``tls=True`` uses ``tls_cert``."""
    servers: list[SmtpServer] = []

    def new(*, tls: bool | SelfSignedCert = False, **kwargs: Any) -> SmtpServer:
        cert = tls_cert if tls is True else (tls or None)
        server = SmtpServer(tls=cert, **kwargs).start()
        servers.append(server)
        return server

    yield new
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpServer]:
    """A plain SMTP sink (no TLS, no AUTH) that accepts everything; ~3 ms to start."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def telegram_api() -> Iterator[BotApiStandIn]:
    """A fresh Bot API stand-in; ``.token`` is registered, ``.base_url`` ends in ``/bot``."""
    api = BotApiStandIn().start()
    yield api
    api.stop()
