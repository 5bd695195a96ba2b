"""An in-process SMTP server (aiosmtpd ``Controller``: its own thread and loop) for mail-out tests.

Variants, all on a free loopback port:

- plain sink: ``SmtpServer()``;
- STARTTLS required + AUTH required: ``SmtpServer(tls=cert, require_starttls=True,
  users={"agent": "secret"})``; clients trust ``server.client_tls_context()``;
- implicit TLS (SMTPS): ``SmtpServer(tls=cert, implicit_tls=True)``;
- error injection: ``server.reject("x@example.test", 550)`` answers RCPT TO with that code
  (``times=n`` limits it, e.g. one 451 then success); ``server.fail_data(554)`` rejects DATA;
- chained delivery: ``SmtpServer(deliver_to=dovecot)`` pipes each accepted message into
  ``dovecot-lda`` so it shows up over IMAP; unknown mailbox users get 550 at RCPT time.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.certs import SelfSignedCert
from tests.support.dovecot import Dovecot, DovecotError
from tests.support.services import free_port

__all__ = ["ReceivedMail", "SmtpServer"]


@dataclass(frozen=True)
class ReceivedMail:
    """One accepted SMTP transaction."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    message: EmailMessage
    auth_login: str | None
    tls: bool


@dataclass
class _Rejection:
    code: int
    text: str
    remaining: int | None

    def take(self) -> str | None:
        if self.remaining is not None:
            if self.remaining <= 0:
                return None
            self.remaining -= 1
        return f"{self.code} {self.text}"


class _Handler:
    """aiosmtpd handler hooks; runs on the controller's thread."""

    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._server._rcpt_reply(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return self._server._accept(server, session, envelope)


class SmtpServer:
    """Records every accepted message; see the module docstring for the variants."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        tls: SelfSignedCert | None = None,
        require_starttls: bool = False,
        implicit_tls: bool = False,
        users: Mapping[str, str] | None = None,
        auth_required: bool | None = None,
        deliver_to: Dovecot | None = None,
        hostname: str = "mx.example.test",
    ) -> None:
        if (require_starttls or implicit_tls) and tls is None:
            raise ValueError("TLS variants need a certificate (tls=...)")
        self.tls = tls
        self.implicit_tls = implicit_tls
        self.users = dict(users or {})
        self.deliver_to = deliver_to
        self.port = free_port()
        self._lock = threading.Lock()
        self._received: list[ReceivedMail] = []
        self._rejections: dict[str, _Rejection] = {}
        self._data_rejection: _Rejection | None = None
        kwargs: dict[str, Any] = {
            # A fixed name: aiosmtpd would otherwise call socket.getfqdn(), slow without DNS.
            "server_hostname": hostname,
            "ident": "helpdesk-test-smtp",
        }
        if tls is not None:
            if implicit_tls:
                kwargs["ssl_context"] = tls.server_context()
            else:
                kwargs["tls_context"] = tls.server_context()
                kwargs["require_starttls"] = require_starttls
        if users is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True if auth_required is None else auth_required
            # AUTH over the plain channel is allowed unless STARTTLS is offered.
            kwargs["auth_require_tls"] = tls is not None and not implicit_tls
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        with warnings.catch_warnings():
            # aiosmtpd warns when AUTH is allowed without TLS; that is the point of the variant.
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
            self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client_tls_context(self) -> ssl.SSLContext:
        """A context for aiosmtplib's ``tls_context=`` that trusts this server's certificate."""
        if self.tls is None:
            raise ValueError("this SMTP server has no TLS")
        return self.tls.client_context()

    # -- error injection ---------------------------------------------------------------------

    def reject(
        self, recipient: str, code: int = 550, text: str | None = None, *, times: int | None = None
    ) -> None:
        """Answer ``RCPT TO:<recipient>`` with ``code`` (``times`` limits how often)."""
        default = "5.1.1 Recipient address rejected" if code >= 500 else "4.2.0 Try again later"
        self._rejections[recipient.lower()] = _Rejection(code, text or default, times)

    def fail_data(
        self, code: int = 554, text: str | None = None, *, times: int | None = None
    ) -> None:
        """Answer the DATA command's end with ``code`` for the next ``times`` messages."""
        default = "5.6.0 Message rejected" if code >= 500 else "4.3.0 Temporary failure"
        self._data_rejection = _Rejection(code, text or default, times)

    def clear_failures(self) -> None:
        self._rejections.clear()
        self._data_rejection = None

    # -- inspection --------------------------------------------------------------------------

    @property
    def received(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._received)

    def to(self, recipient: str) -> list[ReceivedMail]:
        return [m for m in self.received if recipient.lower() in (r.lower() for r in m.rcpt_tos)]

    async def wait_for(
        self, count: int = 1, timeout: float = 30.0, *, to: str | None = None
    ) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages were accepted; return all of them.

        With ``to``, only the messages to that recipient count and are returned: a test that
        runs real background jobs may see other mail (a ticket's acknowledgement) arrive too."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.received if to is None else self.to(to)
            if len(got) >= count:
                return got
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {count} message(s) within {timeout}s, got {len(got)}")
            await asyncio.sleep(0.005)

    # -- hooks (controller thread) ------------------------------------------------------------

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        ok = self.users.get(login) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    def _rcpt_reply(self, address: str) -> str | None:
        rejection = self._rejections.get(address.lower())
        if rejection is not None and (reply := rejection.take()) is not None:
            return reply
        if self.deliver_to is not None and not self.deliver_to.has_user(address):
            return "550 5.1.1 User unknown"
        return None

    def _accept(self, smtp: Any, session: Any, envelope: Any) -> str:
        if self._data_rejection is not None and (reply := self._data_rejection.take()):
            return reply
        content = cast(bytes, envelope.original_content or envelope.content)
        if self.deliver_to is not None:
            for rcpt in envelope.rcpt_tos:
                try:
                    self.deliver_to.deliver(rcpt, content, sender=envelope.mail_from or "")
                except DovecotError as exc:
                    return f"451 4.3.0 Local delivery failed: {exc}"
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        auth = session.auth_data
        mail = ReceivedMail(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            content=content,
            message=message,
            auth_login=auth if isinstance(auth, str) else None,
            # session.ssl is only set by STARTTLS; implicit TLS shows on the transport.
            tls=session.ssl is not None or smtp.transport.get_extra_info("sslcontext") is not None,
        )
        with self._lock:
            self._received.append(mail)
        return "250 2.0.0 Message accepted for delivery"
