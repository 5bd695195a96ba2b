"""Blocking IMAP steps over imapclient; the poller runs each one in a thread."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass

from imapclient import IMAPClient

from channels.email.config import MailboxConfig

BATCH = 20
_REIDLE_SECONDS = 25 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes


class ConnectionLost(Exception):
    """The server said BYE or closed the connection."""


@dataclass(frozen=True, slots=True)
class Folder:
    uidvalidity: int
    idle: bool
    move: bool


def connect(mailbox: MailboxConfig, timeout: float) -> IMAPClient:
    """Connect with the mailbox's TLS mode and log in (raises LoginError on bad credentials)."""
    context = ssl.create_default_context()
    if mailbox.imap_tls == "implicit":
        client = IMAPClient(
            mailbox.imap_host, port=mailbox.imap_port, ssl=True, ssl_context=context,
            timeout=timeout,
        )  # fmt: skip
    else:
        client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=False, timeout=timeout)
        if mailbox.imap_tls == "starttls":
            client.starttls(context)
    try:
        client.login(mailbox.imap_user, mailbox.imap_password)
    except BaseException:
        client.shutdown()
        raise
    return client


def select(client: IMAPClient, folder: str) -> Folder:
    info = client.select_folder(folder)
    # The SELECT's own EXISTS/RECENT describe mail the sync that follows will see anyway; left
    # behind, they would end the first wait at once as if something new had come.
    _swallowed_changes(client)
    return Folder(
        uidvalidity=int(info[b"UIDVALIDITY"]),
        idle=client.has_capability("IDLE"),
        move=client.has_capability("MOVE"),
    )


def new_uids(client: IMAPClient, last_uid: int | None) -> list[int]:
    """UIDs to import: after the checkpoint, or every unseen one on a first run."""
    if last_uid is None:
        uids = client.search(["UNSEEN", "NOT", "DELETED"])
    else:
        # "n:*" always matches the highest UID even when it is <= n, so filter again.
        uids = [u for u in client.search(["UID", f"{last_uid + 1}:*", "NOT", "DELETED"])]
        uids = [u for u in uids if u > last_uid]
    return sorted(int(u) for u in uids)


def fetch(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    """Raw bytes of `uids` without setting \\Seen (that waits for the commit)."""
    data = client.fetch(uids, ["BODY.PEEK[]"])
    return {int(uid): bytes(item[b"BODY[]"]) for uid, item in data.items() if b"BODY[]" in item}


def finish(client: IMAPClient, uid: int, after_import: str, folder: Folder) -> None:
    """Flag a committed message \\Seen or move it to the configured folder."""
    if after_import.startswith("move:"):
        target = after_import[5:]
        if not client.folder_exists(target):
            client.create_folder(target)
        if folder.move:
            client.move([uid], target)
            return
        client.copy([uid], target)
        client.add_flags([uid], [b"\\Deleted"])
        client.uid_expunge([uid])
        return
    client.add_flags([uid], [b"\\Seen"])


def wait(client: IMAPClient, folder: Folder, seconds: float, stop: threading.Event) -> None:
    """Block until the server reports a change, `seconds` pass, or `stop` is set."""
    deadline = time.monotonic() + min(seconds, _REIDLE_SECONDS)
    if not folder.idle:
        while not stop.is_set() and time.monotonic() < deadline:
            stop.wait(min(0.5, max(0.0, deadline - time.monotonic())))
        client.noop()
        return
    if _swallowed_changes(client):
        return
    client.idle()
    try:
        if _swallowed_changes(client) or _read_ahead(client):
            return
        while not stop.is_set() and time.monotonic() < deadline:
            responses = client.idle_check(timeout=0.5)
            if any(_is_bye(r) for r in responses):
                raise ConnectionLost("the server ended the session (BYE)")
            if any(_is_change(r) for r in responses):
                return
    finally:
        try:
            client.idle_done()
        except ConnectionLost:
            raise
        except Exception as exc:
            raise ConnectionLost(f"IDLE could not be ended: {exc}") from exc
        # The lines that came with the end of IDLE tell of mail the sync after every wait
        # sees anyway; kept, they would end the next wait at once for nothing.
        _swallowed_changes(client)


def _swallowed_changes(client: IMAPClient) -> bool:
    """Did an EXISTS/RECENT arrive alongside an earlier command's answer (a SEARCH, the IDLE
    start)? imaplib files such untagged lines away, and the server never repeats them, so a
    message delivered right after our last SEARCH would otherwise wait for the next wake-up."""
    pending = client._imap.untagged_responses
    found = False
    for name in ("EXISTS", "RECENT"):
        if pending.pop(name, None):
            found = True
    return found


def _read_ahead(client: IMAPClient) -> bool:
    """Did more lines arrive behind the server's "+ idling"? Dovecot sends the EXISTS of mail
    delivered since our last command right after it, often in the same packet. imaplib reads
    the socket through a buffer, so those lines wait there, where `idle_check`'s poll of the
    socket never sees them, until the next re-IDLE (minutes)."""
    imap = client._imap
    # Newer imaplib (Python 3.14) reads through a list of chunks of its own instead of
    # `file`; a line that used up its chunk leaves an empty one behind.
    own = getattr(imap, "_readbuf", None)
    if own is not None:
        return any(own)
    sock = client.socket()
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        # peek serves what is buffered; with an empty buffer it tries one read, which a
        # non-blocking socket with nothing pending refuses (TLS says so with SSLWantReadError).
        return bool(imap.file.peek(1))
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)


def _is_bye(response: tuple[object, ...]) -> bool:
    return bool(response) and response[0] == b"BYE"


def _is_change(response: tuple[object, ...]) -> bool:
    return len(response) > 1 and response[1] in (b"EXISTS", b"RECENT")


def logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        client.shutdown()
