"""A private Dovecot 2.3 IMAP server in a temp dir, on a free loopback port.

One self-contained config (nothing from /etc/dovecot), passwd-file users with ``{PLAIN}``
passwords, maildir storage, ``auth_failure_delay = 0`` (otherwise failed logins from 127.0.0.1
escalate a delay to 15 s), optional STARTTLS + implicit TLS with a self-signed cert.

Mail is seeded either as if delivered by an MTA (``deliver``: ``dovecot-lda``) or by a client
(``append``: IMAP APPEND). ``stop``/``start``/``restart`` keep the port and the data, for
"server went away mid-run" tests.
"""

from __future__ import annotations

import atexit
import itertools
import math
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from imapclient import IMAPClient

from tests.support.certs import SelfSignedCert
from tests.support.services import free_port, wait_for_port

__all__ = [
    "DOVECOT_HOW_TO_FIX",
    "Dovecot",
    "DovecotError",
    "MailUser",
    "StoredMessage",
]

DOVECOT_BIN = "/usr/sbin/dovecot"
LDA_BIN = "/usr/lib/dovecot/dovecot-lda"
DOVECOT_HOW_TO_FIX = (
    "Dovecot is not installed: run `sudo scripts/install-system-deps` "
    "(or `apt-get install -y dovecot-imapd`)"
)
TlsMode = Literal["none", "starttls", "implicit"]
_counter = itertools.count(1)
# Safety net for interrupted runs: a Dovecot master outlives the Python process otherwise.
_live: set[Dovecot] = set()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_live):
        server.stop(timeout=3)


class DovecotError(RuntimeError):
    pass


@dataclass(frozen=True)
class StoredMessage:
    """One message as the IMAP server holds it."""

    uid: int
    flags: tuple[str, ...]
    raw: bytes
    internaldate: datetime | None

    @property
    def seen(self) -> bool:
        return "\\Seen" in self.flags


class _Users:
    """One passwd-file per user.

    Dovecot's auth process re-checks a passwd-file at most once per wall-clock second (it then
    compares mtime and size). With a single shared file, a user added right after any other
    login in the same second is invisible. A per-user path (``args = .../%u``) means a new user
    is a file Dovecot has never opened, so it is read fresh on first use.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.entries: dict[str, str] = {}

    def path(self, address: str) -> Path:
        return self.directory / address

    def write(self, address: str, password: str) -> bool:
        """Write one user's entry; True when it replaced an existing one."""
        existed = address in self.entries
        self.entries[address] = password
        tmp = self.directory / f".{address}.tmp"
        tmp.write_text(f"{address}:{{PLAIN}}{password}\n")
        os.replace(tmp, self.path(address))
        return existed

    def remove(self, address: str) -> None:
        self.entries.pop(address, None)
        self.path(address).unlink(missing_ok=True)


def _wait_for_next_second() -> None:
    # After changing a file Dovecot may already have checked this second, see _Users.
    now = time.time()
    time.sleep(math.floor(now) + 1.02 - now)


class Dovecot:
    """A Dovecot instance owned by the test session. Not thread-safe; call from one thread."""

    host = "127.0.0.1"

    def __init__(self, *, tls: SelfSignedCert | None = None) -> None:
        if not (Path(DOVECOT_BIN).exists() and Path(LDA_BIN).exists()):
            raise FileNotFoundError(DOVECOT_HOW_TO_FIX)
        # Not under pytest's tmp_path: those parents are 0700, and Dovecot's auth process
        # (user `dovecot`) and the mail uid must traverse the path to read users and write mail.
        directory = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        directory.chmod(0o755)
        self.directory = directory
        self.tls = tls
        self.port = free_port()
        self.tls_port: int | None = free_port() if tls else None
        self.config_path = directory / "dovecot.conf"
        self.log_path = directory / "dovecot.log"
        self._users = _Users(directory / "users.d")
        self._proc: subprocess.Popen[bytes] | None = None
        for sub in ("run", "state", "mail"):
            (directory / sub).mkdir(parents=True, exist_ok=True)
        # Mail is written by the (non-root) mail uid, so the tree must be writable by it.
        (directory / "mail").chmod(0o777)
        self.config_path.write_text(self._render_config())

    # -- lifecycle -------------------------------------------------------------------------

    def _render_config(self) -> str:
        d = self.directory
        if os.geteuid() == 0:
            # Dovecot refuses uid 0 for mail users; "nobody" owns the mail instead.
            identity = "uid=65534 gid=65534"
            process_users = ""
        else:
            # Unprivileged laptops: every Dovecot process runs as the invoking user.
            user = pwd.getpwuid(os.getuid()).pw_name
            identity = f"uid={os.getuid()} gid={os.getgid()}"
            process_users = (
                f"default_login_user = {user}\ndefault_internal_user = {user}\n"
                f"default_internal_group = {pwd.getpwuid(os.getuid()).pw_gid}\n"
            )
        if self.tls is not None:
            ssl_conf = (
                f"ssl = yes\nssl_cert = <{self.tls.cert_path}\nssl_key = <{self.tls.key_path}\n"
            )
            imaps = f"address = {self.host}\n    port = {self.tls_port}"
        else:
            ssl_conf = "ssl = no\n"
            imaps = "port = 0"
        return f"""\
instance_name = helpdesk-test-{uuid.uuid4().hex[:8]}
base_dir = {d}/run
state_dir = {d}/state
log_path = {self.log_path}
{process_users}protocols = imap
listen = {self.host}
{ssl_conf}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self._users.directory}/%u
}}
userdb {{
  driver = static
  args = {identity} home={d}/mail/%d/%n
}}
mail_location = maildir:~/Maildir
# IDLE hears of a delivery through inotify; when that is unavailable (the per-user inotify
# instance limit, 128 by default, is shared with every other process of the mail uid) Dovecot
# falls back to checking the mailbox every 30 s, which a test cannot tell from lost mail.
mailbox_idle_check_interval = 1 secs
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    {imaps}
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
# auth_failure_delay alone does not stop anvil's per-IP auth penalty (measured: a failed
# login makes the next logins from 127.0.0.1, good ones too, take ~4 s); an unusable anvil
# penalty socket disables it.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        self._proc = subprocess.Popen(
            [DOVECOT_BIN, "-F", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _live.add(self)
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise DovecotError(f"dovecot exited at start:\n{self.log_tail()}")
            try:
                wait_for_port(self.host, self.port, timeout=0.2)
                if self.tls_port is not None:
                    wait_for_port(self.host, self.tls_port, timeout=max(0.2, timeout))
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise DovecotError(f"dovecot did not listen:\n{self.log_tail()}") from None

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        _live.discard(self)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # Children are in the master's session (start_new_session), so kill them all.
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def close(self) -> None:
        """Stop and delete the data directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def restart(self) -> None:
        """Stop and start again on the same port with the same users and mail."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    # -- users and mail ----------------------------------------------------------------------

    def add_user(self, address: str, password: str) -> None:
        """Add a user (visible at once) or change a password (takes effect within ~1 s).

        A change to an existing user waits for the next wall-clock second before returning,
        because Dovecot may have checked that user's file during the current one.
        """
        if ":" in address + password or "/" in address or "\n" in address + password:
            raise ValueError("':', '/' and newlines cannot appear in a passwd-file entry")
        if self._users.write(address, password):
            _wait_for_next_second()

    def remove_user(self, address: str) -> None:
        """Delete a user; like a password change this waits for the next second."""
        self._users.remove(address)
        _wait_for_next_second()

    def has_user(self, address: str) -> bool:
        return address in self._users.entries

    def new_user(self, local_part: str = "user", domain: str = "example.test") -> MailUser:
        """A user with a unique address and a random password, so tests never share mail."""
        address = f"{local_part}-{next(_counter)}-{uuid.uuid4().hex[:6]}@{domain}"
        password = uuid.uuid4().hex
        self.add_user(address, password)
        return MailUser(address=address, password=password, server=self)

    def deliver(
        self, address: str, raw: bytes, *, sender: str = "sender@example.org", folder: str = ""
    ) -> None:
        """Deliver like an MTA would, through ``dovecot-lda`` (no IMAP connection involved)."""
        cmd = [LDA_BIN, "-c", str(self.config_path), "-d", address, "-f", sender]
        if folder:
            cmd += ["-m", folder]
        result = subprocess.run(cmd, input=raw, capture_output=True, check=False, timeout=30)
        if result.returncode != 0:
            raise DovecotError(
                f"dovecot-lda exit {result.returncode} for {address}: "
                f"{result.stderr.decode(errors='replace').strip()}"
            )

    def client(
        self,
        address: str | None = None,
        password: str | None = None,
        *,
        tls: TlsMode = "none",
        timeout: float = 10.0,
    ) -> IMAPClient:
        """An imapclient connection, logged in when credentials are given. Caller logs out."""
        if tls != "none" and self.tls is None:
            raise ValueError("this Dovecot was started without TLS")
        if tls == "implicit":
            assert self.tls is not None
            assert self.tls_port is not None
            c = IMAPClient(
                self.host,
                port=self.tls_port,
                ssl=True,
                ssl_context=self.tls.client_context(),
                timeout=timeout,
            )
        else:
            # IMAPClient defaults to ssl=True, which fails on the plain port.
            c = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
            if tls == "starttls":
                assert self.tls is not None
                c.starttls(self.tls.client_context())
        if address is not None:
            try:
                c.login(address, password or "")
            except BaseException:
                c.shutdown()
                raise
        return c

    def append(
        self,
        address: str,
        password: str,
        raw: bytes,
        folder: str = "INBOX",
        flags: Sequence[str] = (),
        msg_time: datetime | None = None,
    ) -> int | None:
        """APPEND as a client would; returns the new UID (from APPENDUID) when known."""
        c = self.client(address, password)
        try:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            resp = c.append(folder, raw, flags=tuple(flags), msg_time=msg_time)
        finally:
            c.logout()
        return _appenduid(resp)

    def messages(self, address: str, password: str, folder: str = "INBOX") -> list[StoredMessage]:
        """Every message in ``folder`` with flags, in UID order, without setting \\Seen."""
        c = self.client(address, password)
        try:
            c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            fetched: dict[int, dict[bytes, Any]] = (
                c.fetch(uids, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]) if uids else {}
            )
        finally:
            c.logout()
        return [
            StoredMessage(
                uid=uid,
                flags=tuple(_decode(f) for f in data[b"FLAGS"]),
                raw=data[b"BODY[]"],
                internaldate=data.get(b"INTERNALDATE"),
            )
            for uid, data in sorted(fetched.items())
        ]

    def folders(self, address: str, password: str) -> list[str]:
        c = self.client(address, password)
        try:
            return [name for _flags, _delim, name in c.list_folders()]
        finally:
            c.logout()


@dataclass(frozen=True)
class MailUser:
    """A mailbox account on a ``Dovecot``; the handy shape for one test's inbox."""

    address: str
    password: str
    server: Dovecot

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    def deliver(self, raw: bytes, *, sender: str = "sender@example.org", folder: str = "") -> None:
        self.server.deliver(self.address, raw, sender=sender, folder=folder)

    def append(self, raw: bytes, folder: str = "INBOX", flags: Sequence[str] = ()) -> int | None:
        return self.server.append(self.address, self.password, raw, folder, flags)

    def messages(self, folder: str = "INBOX") -> list[StoredMessage]:
        return self.server.messages(self.address, self.password, folder)

    def folders(self) -> list[str]:
        return self.server.folders(self.address, self.password)

    def client(self, *, tls: TlsMode = "none", timeout: float = 10.0) -> IMAPClient:
        return self.server.client(self.address, self.password, tls=tls, timeout=timeout)


def _decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _appenduid(resp: bytes | str | None) -> int | None:
    # Dovecot answers e.g. b"[APPENDUID 1700000000 7] Append completed."
    text = _decode(resp or b"")
    if "APPENDUID" not in text:
        return None
    parts = text.split("APPENDUID", 1)[1].split("]", 1)[0].split()
    return int(parts[1]) if len(parts) >= 2 else None
