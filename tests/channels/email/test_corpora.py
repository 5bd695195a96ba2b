"""The third-party corpora (../shared/corpora) through parse_message: robustness, visible-reply
and bounce rates as floors, django-helpdesk ticket expectations. Misses are printed."""

from __future__ import annotations

import pytest

from channels.base import Machine
from channels.email import parse_message
from tests.channels.email import _corpus as corpus

_reason = corpus.skip_reason()
pytestmark = pytest.mark.skipif(_reason is not None, reason=_reason or "")

# Floors at what the parser reaches today, rounded down a little; raise them when it improves.
REPLY_FLOORS = {
    "reply_email_reply_parser_github": 0.90,
    "reply_email_reply_parser_zapier": 0.95,
    "reply_mail_parser_reply": 0.88,
    "reply_talon": 0.87,
}
REPLY_OVERALL_FLOOR = 0.90
BOUNCE_FLOOR = 0.91


def test_every_corpus_message_parses_quickly() -> None:
    slow, count = [], 0
    for path in corpus.corpus_files():
        _, seconds = corpus.parse_file(path)  # only ParseError may escape parse_message
        count += 1
        if seconds > 2.0:
            slow.append(f"{path}: {seconds:.2f}s")
    assert count > 300
    assert not slow, slow


def test_visible_reply_rates() -> None:
    results: dict[str, list[bool]] = {}
    for case in corpus.reply_cases():
        outcome = corpus.run_reply_case(case)
        results.setdefault(case.set_name, []).append(outcome.hit)
        if not outcome.hit:
            print("MISS", outcome.case, outcome.problems)
    total = [hit for hits in results.values() for hit in hits]
    for set_name, hits in results.items():
        rate = sum(hits) / len(hits)
        print(f"{set_name}: {sum(hits)}/{len(hits)} = {rate:.1%}")
        assert rate >= REPLY_FLOORS[set_name], set_name
    assert sum(total) / len(total) >= REPLY_OVERALL_FLOOR


def test_bounce_detection_rate() -> None:
    outcomes = [corpus.run_bounce_case(case) for case in corpus.bounce_cases()]
    for outcome in outcomes:
        if not outcome.hit:
            print("MISS", outcome.case, outcome.problems)
    rate = sum(o.hit for o in outcomes) / len(outcomes)
    print(f"bounce: {sum(o.hit for o in outcomes)}/{len(outcomes)} = {rate:.1%}")
    assert rate >= BOUNCE_FLOOR


def _flanker(name: str) -> bytes:
    return (corpus.CORPORA / "mime_flanker_messages" / "messages" / name).read_bytes()


def test_flanker_bounce_verdicts() -> None:
    zed = parse_message(_flanker("bounce/zed.eml"))
    assert zed.machine is Machine.BOUNCE and zed.bounce is not None
    (failed,) = zed.bounce.recipients
    assert failed.address == "asdfasdfasdfasdfasdfasdfewrqertrtyrthsfgdfgadfqeadvxzvz@gmail.com"
    assert (failed.status, failed.permanent) == ("5.1.1", True)
    assert failed.diagnostic.startswith(
        "smtp; 550-5.1.1 The email account that you tried to reach does"
    )
    office = parse_message(_flanker("bounce/office365.eml"))
    assert office.bounce is not None
    assert office.bounce.recipients[0].status == "5.1.10"
    assert parse_message(_flanker("signed.eml")).machine is not Machine.BOUNCE


def _django(name: str) -> bytes:
    return (corpus.CORPORA / "helpdesk_django_helpdesk" / "test_files" / name).read_bytes()


def test_django_helpdesk_tickets() -> None:
    blank = parse_message(_django("blank-body-with-attachment.eml"))
    assert blank.subject.startswith("Attachment without body - and a loooo")
    assert blank.text.strip() == ""
    assert blank.attachments
    qp = parse_message(_django("quoted_printable.eml"))
    assert qp.subject == "Český test"
    assert qp.text == "Tohle je test českých písmen odeslaných z gmailu."
    assert qp.html is not None and "Tohle je test českých písmen" in qp.html
    special = parse_message(_django("all-special-chars.eml"))
    assert (special.subject, special.text) == ("Testovácí email", "íářčšáíéřášč")
    bad = parse_message(_django("utf-nondecodable.eml"))
    assert bad.subject == "Fwd: Cyklozaměstnavatel - změna vyhodnocení"
    # Its plain and HTML parts differ on purpose; django-helpdesk takes the HTML, we take the
    # plain part for text (a forward: all of it) and keep the HTML sanitised.
    assert "Ahoj Johne" in bad.text
    assert bad.html is not None and "prosazuje lepší" in bad.html
    forwarded = parse_message(_django("forwarded-message.eml"))
    assert forwarded.subject == "Test with original message from GitHub"
    assert "This is email body" in forwarded.text
    pgp = parse_message(_django("pgp.eml"))
    assert pgp.machine is None
