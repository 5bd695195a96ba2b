"""The API's "needs visible text" fields say in their JSON Schema exactly what the services
check with `str.strip()`: a fuzzer taking the schema at its word never sends whitespace the
API then refuses as empty (U+0085 found one such case), nor is refused text the schema allows."""

from __future__ import annotations

import re
import sys

from pydantic import TypeAdapter, ValidationError

from helpdesk.api.schemas import Text
from helpdesk.services.message_texts import VISIBLE


def test_the_pattern_is_pythons_whitespace_exactly() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert bool(re.fullmatch(VISIBLE, char)) is not char.isspace(), hex(code)


def test_whitespace_only_text_is_refused_and_text_around_it_kept() -> None:
    text = TypeAdapter(Text)
    for empty in ("\u0085", " \u3000\t", "\x1c\x1f"):
        try:
            text.validate_python(empty)
        except ValidationError:
            continue
        raise AssertionError(f"{empty!r} was accepted")
    assert text.validate_python(" \u0085hello\u3000") == "hello"
    assert text.validate_python("\ufeff") == "\ufeff"  # not whitespace to Python either
