"""Components declare what they bring, and the assembled runtime can say who does what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from helpdesk import events
from helpdesk.log_sender import LoggingSender
from helpdesk.ports import DeliveryReceipt, OutboundMessage
from helpdesk.runtime import Job, Parts, Periodic, Runtime, Sender
from helpdesk.settings import Settings
from helpdesk.worker import assemble, components


def test_every_reaction_to_a_new_message_is_listed_with_its_component(settings: Settings) -> None:
    rt = assemble(settings)
    reacting = {r.component for r in rt.subscribers_of(events.MessageAdded)}
    assert "sla" in reacting
    outbox = rt.subscribers_of(events.OutboxQueued)
    assert [r.component for r in outbox] == ["core"]


def test_components_declare_jobs_periodic_passes_and_senders(settings: Settings) -> None:
    rt = assemble(settings)
    names = {c.name for c in components()}
    assert {"email", "telegram", "web_form", "sla"} <= names
    for periodic in rt.periodic:
        assert periodic.job in rt.jobs  # every pass names a declared job
    assert rt.reaches("telegram") == "telegram"
    # Tickets of channels without a sender of their own (a phone call, a form) are answered
    # by email, because the email channel declares it answers for other channels.
    assert rt.reaches("phone") == "email"
    assert rt.sender_for("phone") is rt.sender_for("email")


def test_without_components_replies_stay_on_the_ticket(settings: Settings) -> None:
    rt = assemble(settings, with_components=False)
    assert rt.reaches("email") is None
    assert isinstance(rt.sender_for("email"), LoggingSender)


def test_a_second_job_or_sender_of_the_same_name_is_refused(settings: Settings) -> None:
    rt = assemble(settings, with_components=False)

    async def job(rt: Runtime) -> None:
        return None

    class Quiet:
        channel = "sms"

        async def send(self, message: OutboundMessage) -> DeliveryReceipt:
            return DeliveryReceipt()

    rt.add("a", Parts(jobs=[Job("x", job)], senders=[Sender("sms", Quiet(), reaches="phone")]))
    with pytest.raises(ValueError, match="already registered"):
        rt.add("b", Parts(jobs=[Job("x", job)]))
    with pytest.raises(ValueError, match="already has a sender"):
        rt.add("b", Parts(senders=[Sender("sms", Quiet(), reaches="phone")]))
    with pytest.raises(ValueError, match="names no job"):
        rt.add("b", Parts(periodic=[Periodic("missing", timedelta(seconds=5))]))
    registered: Any = rt.jobs
    with pytest.raises(TypeError):
        registered["y"] = job  # the job table is read-only outside `add`
