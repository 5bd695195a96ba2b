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
# Reached: github 22/23, zapier 20/20, mail-parser-reply 30/32, talon 92/96, overall 164/171;
# bounces 116/119.
REPLY_FLOORS = {
    "reply_email_reply_parser_github": 0.95,
    "reply_email_reply_parser_zapier": 0.95,
    "reply_mail_parser_reply": 0.93,
    "reply_talon": 0.95,
}
REPLY_OVERALL_FLOOR = 0.95
BOUNCE_FLOOR = 0.96


def test_every_corpus_message_parses_quickly() -> None:
    slow, count = [], 0
    for path in corpus.corpus_files():
        _, seconds = corpus.parse_file(path)  # only ParseError may escape parse_message
        count += 1
        if seconds > 2.0:  # CPU seconds: today's slowest message takes about 0.2
            slow.append(f"{path}: {seconds:.2f}s of CPU")
    assert count > 300
    assert not slow, slow


def test_visible_reply_rates() -> None:
    """Visible-reply exact match per corpus.

    Our visible text keeps the sender's sign-off (closing and name). email_reply_parser and
    talon's quotation extractor keep it in their expected replies too, and are compared with
    the text as it is; mail-parser-reply and talon's signature extractor label it as signature,
    so they are compared with the text before the sign-off our parser recognised
    (`channels.email.split_signoff`): a closing it fails to recognise (or takes wrongly for
    one) is a miss there (see `_corpus.reply_cases`).

    talon's test_dont_parse_quotations_for_forwarded_messages (a note above a Gmail forward,
    expected whole: talon never folds forwards) hits only because `wrap` gives every bare body
    the subject "Re: test", and a forward pasted into a reply stays visible. Under a subject of
    the sender's own we fold it (the note is the text), and that case would be a miss.

    The misses left contradict another expectation:

    - mail-parser-reply email_2_1.txt and email_nl_1_2.txt keep the "------" rule above an
      Outlook header block in the reply; github's and zapier's email_2_1.txt (the same input)
      expect it gone. Keeping it would trade these 2 hits for 2 misses, so mail-parser-reply
      stays at 30/32 (93.8%), below 95%.
    - github email_1_2.txt: an inline answer whose first (visible) fragment is a "> " quote,
      yet the case asserts no line starts with "> " (a later hidden fragment's pattern, which
      upstream matches against that fragment alone).
    - talon test_reply_and_quotation_splitter_share_line: the same input is listed three times,
      twice expecting 'reply' and once 'reply\nbla-bla - bla'; at most two can hit.
    - talon test_appointment_2 wants trailing spaces kept on lines; github email_1_1.txt wants
      them dropped ("after \nrunning" -> "after\nrunning").
    - talon reply-separated-by-hr.html drops the name "Bob" above the rule because talon
      deletes the whole element holding the <hr>; test_readable_html_empty keeps an "On ...
      wrote:" line followed by text, which every plain-text case cuts as history.
    """
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
    """Bounce verdict and failed addresses. The misses left:

    - groupwise_03.txt is a person's Outlook reply ("RE: ...", quoted history, no failure
      text) and qmail_08.txt an auto-reply ("Auto reply", Precedence: auto_reply); upstream
      only checks its detectors find no address in them. Calling them bounces would need a
      rule that also turns ordinary replies into bounces.
    - yale_01.txt lists a bare "userx"; we complete it with the bouncing organisation's domain
      (userx@yale.edu), upstream's Yale-only detector also adds userx@cs.yale.edu.
    """
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
