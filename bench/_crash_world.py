"""The fault trials' outside world: the processes under trial, an SMTP sink and a log of the
Bot API stand-in's sends, each timestamping what arrives, and the requests the client makes."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpdesk.settings import Settings
from tests.support.telegram_api import BotApiStandIn

PG_URL = os.environ.get("HELPDESK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("HELPDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
SECRET = "bench-crash-secret-key"
TOKEN = "987654321:BENCH-token-for-crash-trials"
SETTLE_TIMEOUT = 90.0


class Sink:
    """aiosmtpd handler: keeps (arrival time, subject, body) of every accepted message."""

    def __init__(self) -> None:
        self.mail: list[tuple[float, str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # A short pause per message widens the window in which a kill finds sends in flight.
        await asyncio.sleep(0.02)
        text = envelope.content.decode("utf-8", "replace")
        subject = re.search(r"^Subject: (.*)$", text, re.M)
        self.mail.append((time.monotonic(), subject.group(1) if subject else "", text))
        return "250 2.0.0 accepted"


class ChatLog:
    """First-seen times of the Bot API stand-in's sendMessage texts (polled, it keeps none)."""

    def __init__(self, api: BotApiStandIn) -> None:
        self.api = api
        self.seen: list[tuple[float, str]] = []
        self._count = len(api.calls("sendMessage", token=TOKEN))  # earlier trials' calls

    def poll(self) -> None:
        calls = [c for c in self.api.calls("sendMessage", token=TOKEN) if c.error_code is None]
        now = time.monotonic()
        for call in calls[self._count :]:
            self.seen.append((now, str(call.params.get("text"))))
        self._count = len(calls)


# -- one trial ------------------------------------------------------------------------------


@dataclass
class Request:
    kind: str  # "create", "form", "telegram", "reply"
    marker: str
    key: str
    body: dict[str, Any] = field(default_factory=dict)
    acked: bool = False
    attempts: int = 0


@dataclass
class Trial:
    setup: str
    data_dir: Path
    database_url: str
    port: int
    smtp_port: int
    api: BotApiStandIn
    token: str = ""
    webhook_secret: str = ""
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarted_at: float = 0.0
    killed: list[str] = field(default_factory=list)
    in_flight: int = 0
    pending_markers: set[str] = field(default_factory=set)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "HELPDESK_DATA_DIR": str(self.data_dir),
            "HELPDESK_DATABASE_URL": self.database_url,
            "HELPDESK_SECRET_KEY": SECRET,
            "HELPDESK_HOST": "127.0.0.1",
            "HELPDESK_PORT": str(self.port),
            "HELPDESK_BASE_URL": self.base,
            "HELPDESK_LOG_LEVEL": "WARNING",
        }
        env.pop("HELPDESK_REDIS_URL", None)
        if self.setup == "postgresql":
            env["HELPDESK_REDIS_URL"] = REDIS_URL
        return env

    def settings(self) -> Settings:
        return Settings(database_url=self.database_url, data_dir=self.data_dir, secret_key=SECRET)

    def spawn(self, role: str) -> None:
        args = ["serve"] if role == "web" else ["worker"]
        log = open(self.data_dir / f"{role}.log", "ab")  # noqa: SIM115 - the child owns it
        self.procs[role] = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.cli", *args],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def roles(self) -> list[str]:
        return ["web", "worker"] if self.setup == "postgresql" else ["web"]

    def kill(self, roles: list[str]) -> None:
        for role in roles:
            proc = self.procs[role]
            proc.send_signal(signal.SIGKILL)
            proc.wait()  # reaped: its pid is gone, as after a real crash
        self.killed = roles

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
