"""`helpdesk serve --demo` prints an admin login that signs in to the inbox."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.services import free_port

HELPDESK = [sys.executable, "-m", "helpdesk.cli"]


def test_the_printed_demo_login_signs_in(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env.update(HELPDESK_DATA_DIR=str(tmp_path / "data"), HELPDESK_LOG_LEVEL="WARNING")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*HELPDESK, "serve", "--demo", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        printed = log.read_text()
        login = re.search(r"Admin: (\S+) / (\S+)", printed)
        assert login, printed
        assert f"sign in at {base}/" in printed
        with httpx.Client(base_url=base) as browser:
            assert browser.get("/").headers["location"] == "/login"
            form = browser.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf
            signed_in = browser.post(
                "/login",
                data={"email": login.group(1), "password": login.group(2), "csrf": csrf.group(1)},
            )
            assert signed_in.status_code == 303
            everything = browser.get("/inbox?view=all")
            assert everything.status_code == 200
            assert "Cannot log in after password reset" in everything.text
    finally:
        proc.terminate()
        proc.wait(timeout=15)
