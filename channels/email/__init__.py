"""The email channel. The parser (`parse_message`) is pure: raw RFC 5322 bytes in, an
`InboundMessage` out, `ParseError` only when nothing usable can be read. `split_signoff` tells
where the sign-off the visible text keeps begins."""

from channels.email._signoff import split_signoff
from channels.email.inbound import Limits, ParseError, parse_message

__all__ = ["Limits", "ParseError", "parse_message", "split_signoff"]
