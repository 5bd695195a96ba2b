"""`helpdesk mailbox add|list|test|remove` against a real SQLite file, Dovecot and aiosmtpd."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from helpdesk.cli import main
from tests.fixtures_db import SECRET
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    monkeypatch.setenv("HELPDESK_SECRET_KEY", SECRET)
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _add(mailbox: MailUser, smtp: SmtpServer, password: str, name: str = "support") -> list[str]:
    return [
        "mailbox", "add", name, "--address", mailbox.address, "--imap-host", mailbox.host,
        "--imap-port", str(mailbox.port), "--imap-tls", "none", "--smtp-host", "127.0.0.1",
        "--smtp-port", str(smtp.port), "--smtp-tls", "none", "--smtp-user", "",
        "--password-stdin",
    ]  # fmt: skip


def test_add_list_test_remove(
    env: Path,
    mailbox: MailUser,
    smtp_sink: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(mailbox.password + "\n"))
    assert main(_add(mailbox, smtp_sink, mailbox.password)) == 0
    assert main(["mailbox", "list"]) == 0
    out = capsys.readouterr().out
    listed = json.loads(out[out.index("[") :])
    assert listed[0]["address"] == mailbox.address
    assert mailbox.password not in out
    assert main(["mailbox", "test", "support"]) == 0
    assert "IMAP ok" in capsys.readouterr().out

    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    assert main(_add(mailbox, smtp_sink, "wrong", name="broken")) == 2  # address taken
    assert "already exists" in capsys.readouterr().err

    assert main(["mailbox", "remove", "support"]) == 0
    assert main(["mailbox", "remove", "support"]) == 2
    assert main(["mailbox", "test", "support"]) == 2


def test_wrong_password_fails_the_test_command(
    env: Path,
    mailbox: MailUser,
    smtp_sink: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("not-it\n"))
    assert main(_add(mailbox, smtp_sink, "not-it")) == 0
    assert main(["mailbox", "test", "support"]) == 1
    out = capsys.readouterr().out
    assert "IMAP FAILED" in out and "not-it" not in out
