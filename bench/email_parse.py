"""parse_message throughput on a realistic ~20 KB multipart/alternative mail with a ~10 KB
attachment, as a ratio to the bare stdlib parse (message_from_bytes + walking the parts).

Run: .venv/bin/python bench/email_parse.py
"""

from __future__ import annotations

import base64
import email
import email.policy
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.email import parse_message


def build_message() -> bytes:
    rng = random.Random(7)
    words = ["sipariş", "kargo", "ürün", "iade", "fatura", "printer", "toner", "ışık", "güneş"]
    reply = "\n".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(30))
    quoted = "\n".join("> " + " ".join(rng.choice(words) for _ in range(12)) for _ in range(40))
    header = "On Mon, 13 May 2024 at 17:02, Support <support@example.test> wrote:"
    plain = f"{reply}\n\n{header}\n{quoted}\n"
    paragraphs = "".join(f"<p>{line}</p>" for line in reply.split("\n"))
    html = (
        f'<html><body><div>{paragraphs}</div><div class="gmail_quote">On Mon wrote:'
        f'<blockquote class="gmail_quote">{quoted.replace(chr(10), "<br>")}</blockquote>'
        "</div></body></html>"
    )
    attachment = base64.encodebytes(rng.randbytes(10_000)).decode()
    text = (
        "From: Ayşe Yılmaz <ayse@example.test>\r\nTo: support+t1042.sig@example.test\r\n"
        "Subject: =?utf-8?q?Re=3A_=5B=231042=5D_Yaz=C4=B1c=C4=B1?=\r\n"
        "Message-ID: <bench@example.test>\r\nIn-Reply-To: <r1@helpdesk.test>\r\n"
        "References: <r0@helpdesk.test> <r1@helpdesk.test>\r\n"
        "Date: Tue, 14 May 2024 09:30:00 +0300\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n'
        '--mix\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
        f"{plain}\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n--alt--\r\n"
        '--mix\r\nContent-Type: application/pdf; name="fatura.pdf"\r\n'
        'Content-Disposition: attachment; filename="fatura.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--mix--\r\n"
    )
    return text.encode("utf-8")


def stdlib(raw: bytes) -> None:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        if not part.is_multipart():
            part.get_payload(decode=True)


def ours(raw: bytes) -> None:
    parse_message(raw)


def rate(fn: Callable[[bytes], None], raw: bytes, seconds: float = 2.0) -> float:
    fn(raw)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(raw)
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    raw = build_message()
    base = rate(stdlib, raw)
    mine = rate(ours, raw)
    print(f"message size: {len(raw) / 1024:.1f} KiB")
    print(f"stdlib message_from_bytes + walk: {base:8.0f} msg/s")
    print(f"parse_message:                    {mine:8.0f} msg/s")
    print(f"ratio parse_message / stdlib:     {mine / base:8.2f}")


if __name__ == "__main__":
    main()
