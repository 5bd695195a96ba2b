"""Every sample update in ../shared/corpora/telegram_updates goes through the real webhook and
is handled per its kind: stored, processed without quarantine, and acted on as expected."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from channels.chat.tables import update_t
from helpdesk.tables import quarantine_t
from tests.channels.chat.conftest import Chat

CORPUS = Path(os.environ.get("HELPDESK_TELEGRAM_CORPUS", "/work/shared/corpora/telegram_updates"))
OFFICIAL = CORPUS / "official_webhooks_examples"
TELOXIDE = CORPUS / "teloxide_samples"


def _samples() -> list[tuple[str, dict[str, Any], str]]:
    """(name, update, expected update kind) for every sample that is or wraps an update."""
    if not CORPUS.exists():
        return []
    samples: list[tuple[str, dict[str, Any], str]] = []
    expected = json.loads((OFFICIAL / "expected.json").read_text())["expected"]
    for name, facts in sorted(expected.items()):
        samples.append((name, json.loads((OFFICIAL / name).read_text()), facts["kind"]))
    index = json.loads((TELOXIDE / "index.json").read_text())["index"]
    for entry in index:
        data = json.loads((TELOXIDE / entry["file"]).read_text())
        if "update_kind" in entry:
            samples.append((entry["file"], data, entry["update_kind"]))
        elif entry["object"].startswith("Message"):
            samples.append((entry["file"], {"update_id": 1, "message": data}, "message"))
        elif entry["object"] == "callback_query":
            samples.append(
                (entry["file"], {"update_id": 1, "callback_query": data}, "callback_query")
            )
    return samples


SAMPLES = _samples()

# What each update kind may turn into (the normaliser's decision, see channels.chat.inbound).
ALLOWED = {
    "message": {"ingest", "start", "migrate", "ignore"},
    "edited_message": {"edit"},
    "callback_query": {"callback"},
}

# Telegram's own samples, one by one: /start greets, content is ingested, the edit is an edit.
OFFICIAL_ACTIONS = {
    "01_message_text_first_example.json": "start",
    "02_message_text.json": "start",
    "05_message_with_reply.json": "start",  # its text is "/start" too
    "06_edited_message.json": "edit",
    "11_inline_query.json": "ignore",
    "12_chosen_inline_result.json": "ignore",
    "13_callback_query.json": "callback",
}


def test_the_corpus_is_there() -> None:
    if os.environ.get("CI") or CORPUS.exists():
        assert len(SAMPLES) >= 60, f"expected the Telegram corpus at {CORPUS}"


@pytest.mark.parametrize(("name", "update", "kind"), SAMPLES, ids=[s[0] for s in SAMPLES])
async def test_every_sample_is_handled_per_its_kind(
    chat: Chat, name: str, update: dict[str, Any], kind: str
) -> None:
    response = await chat.post(update)
    assert response.status_code == 200, response.text
    await chat.settle()
    async with chat.rt.stores() as store:
        [row] = (await store.execute(select(update_t))).mappings().all()
        quarantined = (await store.execute(select(quarantine_t))).all()
    assert row["kind"] == kind
    assert row["status"] == "done", row["outcome"]
    assert quarantined == []
    action = str(row["outcome"]).split(":", 1)[0]
    assert action in ALLOWED.get(kind, {"ignore"}), row["outcome"]
    if name.startswith(("0", "1")):
        assert action == OFFICIAL_ACTIONS.get(name, "ingest"), row["outcome"]

    tickets = await chat.tickets()
    if action in ("ingest", "edit"):
        [ticket] = tickets
        [message] = await chat.messages(ticket["id"])
        assert message["channel"] == "telegram"
    else:
        assert tickets == []
