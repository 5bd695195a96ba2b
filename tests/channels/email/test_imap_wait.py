"""The poller's wait for new mail against the real Dovecot: a delivery is never left waiting
for the next re-IDLE (minutes in production)."""

from __future__ import annotations

import threading

import pytest

from channels.email import _imap
from tests.channels.email._mailbox_support import mail
from tests.support.dovecot import MailUser, TlsMode

# Far longer than the test's own bound: a wait that returns at all has heard of the mail.
_LONG = 600.0
_BOUND = 60.0


def _run_wait(user: MailUser, tls: TlsMode, before_idle: bytes) -> bool:
    """Select INBOX, deliver `before_idle` with no command in between, and wait as the poller
    does. True when the wait returned within the bound."""
    client = user.client(tls=tls)
    try:
        folder = _imap.select(client, "INBOX")
        assert folder.idle, "the test Dovecot offers IDLE"
        user.deliver(before_idle)
        stop = threading.Event()
        done = threading.Event()

        def wait() -> None:
            try:
                _imap.wait(client, folder, _LONG, stop)
            finally:
                done.set()

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        returned = done.wait(_BOUND)
        stop.set()
        waiter.join(_BOUND)
        # Nothing is left over that would end the next wait at once: the sync after this wait
        # sees the mail.
        assert not _imap._swallowed_changes(client)
        return returned
    finally:
        _imap.logout(client)


def _message(n: int) -> bytes:
    return mail(
        sender="Alice <alice@customer.example>",
        to="support@example.test",
        subject=f"help {n}",
        message_id=f"<m{n}@customer.example>",
        body="Please help.",
    )


@pytest.mark.parametrize("tls", ["none", "implicit"])
def test_mail_delivered_just_before_idle_starts_ends_the_wait(
    mailbox: MailUser, tls: TlsMode
) -> None:
    # Dovecot answers IDLE with "+ idling" and, in the same write, the EXISTS of mail that came
    # since the last command. imaplib reads both into its buffer while looking for the
    # continuation; a poll on the socket then never sees the EXISTS.
    for n in range(5):
        assert _run_wait(mailbox, tls, _message(n)), f"round {n}: the wait missed the delivery"
