"""Visible-reply exact-match rate per reply corpus and overall, and the bounce detection rate.

Run: .venv/bin/python bench/email_corpus.py   (reads ../shared/corpora; lists every miss)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.email._quotes import own_lines
from tests.channels.email import _corpus as corpus


def main() -> int:
    reason = corpus.skip_reason()
    if reason:
        print(reason)
        return 1
    per_set: dict[str, list[bool]] = {}
    for case in corpus.reply_cases():
        outcome = corpus.run_reply_case(case)
        per_set.setdefault(case.set_name, []).append(outcome.hit)
        if not outcome.hit:
            print(f"MISS {outcome.case}: {'; '.join(outcome.problems)[:400]}")
    print()
    total: list[bool] = []
    for set_name, hits in per_set.items():
        total += hits
        print(f"{set_name:40s} {sum(hits):4d}/{len(hits):<4d} {sum(hits) / len(hits):6.1%}")
    overall = sum(total) / len(total)
    print(f"{'visible reply, overall':40s} {sum(total):4d}/{len(total):<4d} {overall:6.1%}")
    print()
    bounces = [corpus.run_bounce_case(case) for case in corpus.bounce_cases()]
    for outcome in bounces:
        if not outcome.hit:
            print(f"MISS {outcome.case}: {'; '.join(outcome.problems)}")
    found = sum(o.hit for o in bounces)
    label = "bounce detection (addresses + permanent)"
    print(f"{label:40s} {found:4d}/{len(bounces):<4d} {found / len(bounces):6.1%}")
    _own_text_kept()
    return 0


def _own_text_kept() -> None:
    """Messages with lines of the sender's own whose visible text is not empty (issue 15)."""
    own, kept = 0, 0
    for path in corpus.corpus_files():
        message, _ = corpus.parse_file(path)
        if message is not None and own_lines(message.full_text):
            own += 1
            kept += bool(message.text.strip())
            if not message.text.strip():
                print(f"EMPTY {path.relative_to(corpus.CORPORA)}")
    label = "own text kept visible (all corpora)"
    print(f"{label:40s} {kept:4d}/{own:<4d} {kept / own:6.1%}")


if __name__ == "__main__":
    raise SystemExit(main())
