"""Visible-reply exact-match rate per reply corpus and overall, and the bounce detection rate.

Run: .venv/bin/python bench/email_corpus.py   (reads ../shared/corpora; lists every miss)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
