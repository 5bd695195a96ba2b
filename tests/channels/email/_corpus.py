"""The third-party corpora as scored cases, shared by the corpus tests and bench/email_corpus.py.

Each reply case turns a corpus's own expectations (see each folder's expected.json) into checks
on `InboundMessage.text`; a case is a hit when every check passes. Only the visible reply is
judged -- fragment counts and quoted/signature flags describe another library's internals.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from channels.base import InboundMessage, Machine
from channels.email import ParseError, parse_message, split_signoff

ROOT = Path(__file__).resolve().parents[3]
CORPORA = (ROOT / ".." / "shared" / "corpora").resolve()
REPLY_SETS = (
    "reply_email_reply_parser_github",
    "reply_email_reply_parser_zapier",
    "reply_mail_parser_reply",
    "reply_talon",
)
EMAIL_SETS = (
    *REPLY_SETS,
    "bounce_flufl_bounce",
    "helpdesk_django_helpdesk",
    "mime_cpython_test_email",
    "mime_enmime_testdata",
    "mime_flanker_messages",
    "mime_nodemailer_mailparser",
    "mime_spamscope_mail_parser",
)

Check = Callable[[str], str | None]  # visible text -> None when fine, else what is wrong


def corpora_available() -> bool:
    return CORPORA.is_dir()


def skip_reason() -> str | None:
    """None when the corpora can be read; the skip message otherwise (never in CI)."""
    if corpora_available():
        return None
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"corpora missing at {CORPORA}; CI must have them")
    return f"third-party corpora not found at {CORPORA} (clone /work/shared next to the repo)"


def wrap(body: str, content_type: str = "text/plain") -> bytes:
    """A minimal message around a bare body, so cases go through the public parse_message."""
    head = (
        "From: Customer <customer@example.test>\nTo: support@example.test\nSubject: Re: test\n"
        "Message-ID: <case@example.test>\nDate: Mon, 2 Jan 2023 10:00:00 +0000\n"
        f"MIME-Version: 1.0\nContent-Type: {content_type}; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    )
    return (head + body).encode("utf-8")


@dataclass
class ReplyCase:
    set_name: str
    name: str
    raw: bytes
    checks: list[Check] = field(default_factory=list)
    max_seconds: float = 2.0
    # Whether the corpus's expected reply keeps the sender's closing and name, as our visible
    # text does (see reply_cases).
    keeps_signoff: bool = True


def _equals(expected: str) -> Check:
    def check(text: str) -> str | None:
        return None if text.strip() == expected.strip() else f"expected {expected.strip()!r}"

    return check


def _ws_equals(expected: str) -> Check:
    # Whitespace-insensitive, and blind to the "> " our text rendering gives kept blockquotes.
    def norm(s: str) -> str:
        return re.sub(r"[\s>]", "", s)

    def check(text: str) -> str | None:
        return None if norm(text) == norm(expected) else f"expected ~{expected.strip()!r}"

    return check


def _contains(needle: str) -> Check:
    return lambda text: None if needle in text else f"missing {needle!r}"


def _lacks(needle: str) -> Check:
    return lambda text: None if not needle.strip() or needle not in text else f"kept {needle!r}"


def _matches(pattern: str, *, want: bool) -> Check:
    regex = re.compile(pattern.replace("\\A", "^"), re.MULTILINE)

    def check(text: str) -> str | None:
        found = regex.search(text) is not None
        return None if found == want else f"{'no' if want else 'unwanted'} match /{pattern}/"

    return check


def _line_count(count: int) -> Check:
    return lambda text: None if len(text.split("\n")) == count else f"expected {count} lines"


def _html_to_plain(markup: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", markup))


def _load(set_name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((CORPORA / set_name / "expected.json").read_text("utf-8"))
    return data


def _fragment_checks(spec: dict[str, object]) -> list[Check]:
    """email_reply_parser fragment expectations: visible fragments present, hidden ones gone."""
    hidden = spec.get("hidden")
    hidden_flags = hidden if isinstance(hidden, list) else []
    checks: list[Check] = []
    visible_patterns: set[str] = set()
    for kind in ("fragment_equals", "fragment_contains", "fragment_matches"):
        entries = spec.get(kind)
        if not isinstance(entries, dict):
            continue
        for index, value in entries.items():
            if int(index) >= len(hidden_flags):
                continue  # upstream did not say whether this fragment is shown
            is_hidden = bool(hidden_flags[int(index)])
            if kind == "fragment_matches":
                if not is_hidden:
                    visible_patterns.add(value)
                checks.append(_matches(value, want=not is_hidden) if not is_hidden else _lacks(""))
                if is_hidden and value not in visible_patterns:
                    checks.append(_matches(value, want=False))
            elif is_hidden:
                if len(value.strip()) >= 3:  # "--" or ">" also occur in visible text
                    checks.append(_lacks(value.strip()))
            else:
                checks.append(_contains(value.strip()))
    return checks


def reply_cases() -> Iterator[ReplyCase]:
    """Every reply case. Where a corpus's labels put the sender's closing and name:

    - email_reply_parser (github, zapier) and talon's quotation extractor (plain, HTML and
      inline cases) keep them in the reply, as we do: their expectations are compared with our
      visible text as it is.
    - mail-parser-reply and talon's signature extractor label "Regards,\nJan" as signature:
      their expectations are compared with our visible text before the sign-off our parser
      recognised (`split_signoff`). A closing we fail to recognise stays in that body and is
      still a miss; one we take for a closing wrongly is cut from it and is a miss too.
    """
    yield from _erp_cases("reply_email_reply_parser_github")
    yield from _erp_cases("reply_email_reply_parser_zapier")
    for case in _mpr_cases():
        case.keeps_signoff = False
        yield case
    yield from _talon_cases()


def _erp_cases(set_name: str) -> Iterator[ReplyCase]:
    data = _load(set_name)
    asserted = data["asserted"]
    assert isinstance(asserted, dict)
    for name, spec in asserted.items():
        body = (CORPORA / set_name / "emails" / name).read_text("utf-8")
        case = ReplyCase(set_name, name, wrap(body), _fragment_checks(spec))
        if "visible_text_equals" in spec:
            case.checks.append(_equals(spec["visible_text_equals"]))
        if "reply_stripped_equals" in spec:
            case.checks.append(_equals(spec["reply_stripped_equals"]))
        case.checks += [_contains(s) for s in spec.get("reply_contains", [])]
        case.checks += [_lacks(s) for s in spec.get("visible_text_not_contains", [])]
        case.max_seconds = min(2.0, float(spec.get("max_seconds", 2.0)))
        yield case
    inline = data.get("inline_cases")
    for i, spec in enumerate(inline if isinstance(inline, list) else []):
        yield ReplyCase(
            set_name, f"inline_{i}", wrap(spec["input"]), [_equals(spec["visible_text_equals"])]
        )


def _mpr_cases() -> Iterator[ReplyCase]:
    set_name = "reply_mail_parser_reply"
    asserted = _load(set_name)["asserted"]
    assert isinstance(asserted, dict)
    for name, spec in asserted.items():
        body = (CORPORA / set_name / "emails" / name).read_text("utf-8")
        case = ReplyCase(set_name, name, wrap(body))
        for index, reply in spec.get("replies", {}).items():
            if index == "0":
                if "body_equals" in reply:
                    case.checks.append(_equals(reply["body_equals"]))
                case.checks += [_contains(s) for s in reply.get("body_contains", [])]
                hidden = [
                    *reply.get("body_not_contains", []),
                    *reply.get("signatures_contains", []),
                    *reply.get("headers_contains", []),
                ]
                if reply.get("signatures_equals"):
                    hidden.append(reply["signatures_equals"])
                case.checks += [_lacks(s) for s in hidden]
                if "signatures_startswith" in reply:
                    case.checks.append(_lacks(reply["signatures_startswith"]))
            else:
                # Older replies are quoted history: none of their text may stay visible.
                later = [
                    *reply.get("content_contains", []),
                    *reply.get("headers_contains", []),
                    *reply.get("body_contains", []),
                    *reply.get("signatures_contains", []),
                ]
                case.checks += [_lacks(s) for s in later if len(s) >= 8]
        if "latest_reply_line_count" in spec:
            case.checks.append(_line_count(spec["latest_reply_line_count"]))
        yield case


# talon's extract_from_plain keeps signatures; ours strips them by design (DESIGN.md section 8),
# so a trailing "-- " block or "Sent from my ..." line is removed from talon's expected text.
_TALON_SIGNATURE = re.compile(r"\n+(-- ?\n.*|Sent from my \w+)\s*$", re.DOTALL)


def _talon_cases() -> Iterator[ReplyCase]:
    set_name = "reply_talon"
    data = _load(set_name)
    base = CORPORA / set_name / "fixtures"
    plain = data["plain_fixtures"]
    assert isinstance(plain, dict)
    for name, expected in plain["expected"].items():
        yield ReplyCase(
            set_name,
            name,
            (base / name).read_bytes(),
            [_equals(_TALON_SIGNATURE.sub("", expected))],
        )
    html_fixtures = data["html_fixtures"]
    assert isinstance(html_fixtures, dict)
    for name, expected in html_fixtures["expected_whitespace_insensitive"].items():
        raw = wrap((base / name).read_text("utf-8", "replace"), "text/html")
        yield ReplyCase(set_name, name, raw, [_ws_equals(expected)])
    for name, spec in html_fixtures["extra"].items():
        if "expected_html_whitespace_removed" in spec:
            raw = wrap((base / name).read_text("utf-8", "replace"), "text/html")
            expected = _html_to_plain(spec["expected_html_whitespace_removed"])
            yield ReplyCase(set_name, name, raw, [_ws_equals(expected)])
        else:
            yield ReplyCase(
                set_name,
                name,
                (base / name).read_bytes(),
                [lambda t: None if t.strip() else "empty", _lacks("From")],
            )
    signatures = data["signature_fixtures"]
    assert isinstance(signatures, dict)
    for name, spec in signatures["expected"].items():
        body = (base / name).read_text("utf-8")
        sender = (base / spec["sender_file"]).read_text("utf-8").strip()
        sender = sender if "@" in sender else f"{sender} <sender@example.test>"
        raw = wrap(body).replace(b"Customer <customer@example.test>", sender.encode(), 1)
        signature = spec["expected_signature"].strip()
        expected = body.strip()
        if signature and body.rstrip().endswith(signature):
            expected = body.rstrip()[: -len(signature)]
        yield ReplyCase(
            set_name, name.rsplit("/", 1)[-1], raw, [_equals(expected)], keeps_signoff=False
        )
    inline = data["inline_cases"]
    assert isinstance(inline, dict)
    for spec in inline["plain"]:
        if spec.get("decorators"):
            continue  # needs upstream internals patched; not a property of the text
        check = _ws_equals if spec.get("whitespace_insensitive") else _equals
        yield ReplyCase(set_name, spec["test"], wrap(spec["input"]), [check(spec["expected"])])
    for spec in inline["html"]:
        if spec.get("decorators"):
            continue
        yield ReplyCase(
            set_name,
            spec["test"],
            wrap(spec["input"], "text/html"),
            [_ws_equals(_html_to_plain(spec["expected"]))],
        )


@dataclass
class Outcome:
    case: str
    hit: bool
    problems: list[str]
    seconds: float


def run_reply_case(case: ReplyCase) -> Outcome:
    start = time.perf_counter()
    message = parse_message(case.raw)
    seconds = time.perf_counter() - start
    text = message.text
    if not case.keeps_signoff:
        text, _ = split_signoff(text, message.sender.display_name)
    problems = [p for p in (check(text) for check in case.checks) if p]
    if seconds > case.max_seconds:
        problems.append(f"took {seconds:.2f}s")
    if problems:
        problems.append(f"got {text[:300]!r}")
    return Outcome(f"{case.set_name}/{case.name}", not problems, problems, seconds)


@dataclass
class BounceCase:
    name: str
    raw: bytes
    permanent: frozenset[str]
    temporary: frozenset[str]
    exact: bool  # False when upstream found no address: only "it is a bounce" is judged


def bounce_cases() -> Iterator[BounceCase]:
    data = _load("bounce_flufl_bounce")
    folder = CORPORA / "bounce_flufl_bounce" / "data"
    per_detector = data["per_detector"]
    assert isinstance(per_detector, dict)
    for name, entries in sorted(per_detector.items()):
        # Our addresses are lower-cased by contract; upstream keeps the case it saw.
        permanent = {a.lower() for e in entries if e["kind"] == "permanent" for a in e["addresses"]}
        temporary = {a.lower() for e in entries if e["kind"] == "temporary" for a in e["addresses"]}
        yield BounceCase(
            name,
            (folder / name).read_bytes(),
            frozenset(permanent),
            frozenset(temporary),
            bool(permanent or temporary),
        )
    scan = data["scan"]
    assert isinstance(scan, dict)
    for name, spec in sorted(scan.items()):
        failures = spec.get("all_failures", {"permanent": spec["scan_message"], "temporary": []})
        yield BounceCase(
            name,
            (folder / name).read_bytes(),
            frozenset(a.lower() for a in failures["permanent"]),
            frozenset(a.lower() for a in failures["temporary"]),
            True,
        )


def run_bounce_case(case: BounceCase) -> Outcome:
    start = time.perf_counter()
    message = parse_message(case.raw)
    seconds = time.perf_counter() - start
    problems = []
    if message.machine is not Machine.BOUNCE or message.bounce is None:
        problems.append(f"not a bounce (machine={message.machine})")
    elif case.exact:
        found = message.bounce.recipients
        permanent = {r.address for r in found if r.permanent}
        temporary = {r.address for r in found if not r.permanent}
        if permanent != case.permanent or temporary != case.temporary:
            problems.append(
                f"expected permanent={sorted(case.permanent)} temporary={sorted(case.temporary)}"
                f", got permanent={sorted(permanent)} temporary={sorted(temporary)}"
            )
    return Outcome(f"bounce_flufl_bounce/{case.name}", not problems, problems, seconds)


def corpus_files() -> Iterator[Path]:
    """Every message file of the email corpora (reply bodies and expectation files excluded)."""
    for set_name in EMAIL_SETS:
        for path in sorted((CORPORA / set_name).rglob("*")):
            if not path.is_file() or path.name in {
                "LICENSE",
                "expected.json",
                "index.json",
                "stats.json",
            }:
                continue
            if set_name.startswith("reply_") and path.suffix not in {".eml"}:
                continue
            yield path


def parse_file(path: Path) -> tuple[InboundMessage | None, float]:
    """The parsed message (None if only `ParseError` came out) and the CPU seconds this thread
    spent parsing it: CPU time, not elapsed time, so other processes loading the machine do not
    make a message look slow."""
    raw = path.read_bytes()
    start = time.thread_time()
    try:
        message: InboundMessage | None = parse_message(raw)
    except ParseError:
        message = None
    return message, time.thread_time() - start
