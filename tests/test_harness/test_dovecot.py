"""The Dovecot harness against the real imapclient."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.support.dovecot import Dovecot, DovecotError, MailUser

RAW = (
    b"From: Alice <alice@example.org>\r\n"
    b"To: support@example.test\r\n"
    b"Subject: Printer on fire\r\n"
    b"Message-ID: <fire-1@example.org>\r\n"
    b"\r\n"
    b"Please help.\r\n"
)


def test_login_select_search_fetch(mailbox: MailUser) -> None:
    mailbox.deliver(RAW)
    c = mailbox.client()
    try:
        c.select_folder("INBOX")
        uids = c.search(["UNSEEN"])
        assert len(uids) == 1
        data = c.fetch(uids, ["BODY.PEEK[]", "FLAGS"])[uids[0]]
        assert data[b"BODY[]"] == RAW
        assert c.search(["HEADER", "Message-ID", "<fire-1@example.org>"]) == uids
        c.add_flags(uids, [b"\\Seen"])
        assert c.search(["UNSEEN"]) == []
    finally:
        c.logout()
    [stored] = mailbox.messages()
    assert stored.seen


def test_users_are_isolated(mailbox_factory: object, mailbox: MailUser) -> None:
    assert callable(mailbox_factory)
    other: MailUser = mailbox_factory("other")
    assert other.address != mailbox.address
    other.deliver(RAW)
    assert mailbox.messages() == []
    assert len(other.messages()) == 1


def test_idle_wakes_up_on_delivery(mailbox: MailUser) -> None:
    c = mailbox.client()
    try:
        c.select_folder("INBOX")
        c.idle()
        mailbox.deliver(RAW)
        # Returns with the server's push, or with nothing once the 5 s are over.
        responses = c.idle_check(timeout=5)
        c.idle_done()
    finally:
        c.logout()
    assert (1, b"EXISTS") in responses


def test_bad_password_raises_login_error_without_an_escalating_penalty(
    mailbox: MailUser,
) -> None:
    # With Dovecot's default penalty each failed login from an address delays the next answer
    # longer (2, 4, 8, 15 s): by the fourth the client's own 10 s timeout would end the wait
    # with a socket error instead of the server's "authentication failed".
    for _ in range(4):
        with pytest.raises(LoginError):
            mailbox.server.client(mailbox.address, "wrong", timeout=10.0)
    mailbox.client().logout()


def test_append_to_new_folder_with_flags(mailbox: MailUser) -> None:
    uid = mailbox.append(RAW, folder="Archive", flags=["\\Seen", "\\Flagged"])
    assert uid == 1
    assert "Archive" in mailbox.folders()
    [stored] = mailbox.messages("Archive")
    assert {"\\Seen", "\\Flagged"} <= set(stored.flags)
    assert mailbox.messages("INBOX") == []


def test_password_change_and_removal_take_effect(dovecot: Dovecot, mailbox: MailUser) -> None:
    mailbox.client().logout()
    dovecot.add_user(mailbox.address, "changed")
    with pytest.raises(LoginError):
        mailbox.client()
    dovecot.client(mailbox.address, "changed").logout()
    dovecot.remove_user(mailbox.address)
    with pytest.raises(LoginError):
        dovecot.client(mailbox.address, "changed")


def test_unknown_recipient_is_rejected_by_lda(dovecot: Dovecot) -> None:
    with pytest.raises(DovecotError, match="exit 67"):
        dovecot.deliver("nobody-here@example.test", RAW)


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_tls_login(mailbox: MailUser, tls: str) -> None:
    c = mailbox.client(tls=tls)  # type: ignore[arg-type]
    try:
        assert c.select_folder("INBOX")[b"EXISTS"] == 0
    finally:
        c.logout()


def test_restart_keeps_port_and_mail(dovecot: Dovecot, mailbox: MailUser) -> None:
    mailbox.deliver(RAW)
    port = dovecot.port
    dovecot.stop()
    with pytest.raises(ConnectionRefusedError):
        IMAPClient(dovecot.host, port=port, ssl=False, timeout=1)
    dovecot.start()
    assert dovecot.port == port
    [stored] = mailbox.messages()
    assert stored.raw == RAW
