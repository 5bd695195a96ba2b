"""Issue 15, "Done when" 3: over every message of the corpora, the visible text is never empty
while the full text holds a line of the sender's own -- one that is neither quoted, nor part
of a recognised attribution, forward or history header, nor a device footer."""

from __future__ import annotations

import pytest

from channels.email import parse_message
from channels.email._quotes import own_lines
from tests.channels.email import _corpus as corpus

_reason = corpus.skip_reason()
pytestmark = pytest.mark.skipif(_reason is not None, reason=_reason or "")


def test_visible_text_is_never_empty_when_the_sender_wrote_something() -> None:
    checked, lost = 0, []
    for path in corpus.corpus_files():
        message, _ = corpus.parse_file(path)
        if message is None:
            continue
        checked += 1
        own = own_lines(message.full_text)
        if own and not message.text.strip():
            lost.append(f"{path.relative_to(corpus.CORPORA)}: {own[0][:80]!r}")
    for case in corpus.reply_cases():
        message = parse_message(case.raw)
        checked += 1
        own = own_lines(message.full_text)
        if own and not message.text.strip():
            lost.append(f"{case.set_name}/{case.name}: {own[0][:80]!r}")
    assert checked > 450
    assert not lost, lost


@pytest.mark.parametrize(
    ("body", "own"),
    [
        ("> quoted only\n> more\n", []),
        ("On Mon, 13 May 2024 at 17:02, A <a@example.test> wrote:\n> q\n", []),
        ("Sent from my iPhone\n", []),
        (
            "---------- Forwarded message ---------\nFrom: a@example.test\nSubject: x\n\nBody\n",
            ["Body"],
        ),
        ("Tamam.\n\nVon meinem iPhone gesendet\n", ["Tamam."]),
    ],
)
def test_own_lines_sets_aside_what_clients_add(body: str, own: list[str]) -> None:
    assert own_lines(body) == own
